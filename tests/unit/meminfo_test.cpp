// echo-bench hold's reading of /proc/meminfo (tests/bench/loadgen/meminfo.cpp):
// the kernel's share of a held connection is computed from these fields.
#include "meminfo.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

constexpr const char* sample = "MemTotal:       24634248 kB\n"
                               "MemFree:        18012344 kB\n"
                               "MemAvailable:   22878960 kB\n"
                               "Slab:             412340 kB\n"
                               "SReclaimable:     250000 kB\n"
                               "SUnreclaim:       162340 kB\n"
                               "KernelStack:       19872 kB\n"
                               "PageTables:        31012 kB\n"
                               "HugePages_Total:       0\n";

TEST(Meminfo, ReadsTheFieldsHoldNeeds)
{
    const auto m = bench::parse_meminfo(sample);
    EXPECT_EQ(m.mem_available_kib, 22878960);
    EXPECT_EQ(m.slab_kib, 412340);
    EXPECT_EQ(m.kernel_stack_kib, 19872);
    EXPECT_EQ(m.page_tables_kib, 31012);
}

TEST(Meminfo, SlabIsReclaimablePlusUnreclaimableWithoutASlabLine)
{
    const auto m = bench::parse_meminfo("MemAvailable: 100 kB\nSReclaimable: 30 kB\nSUnreclaim: 12 kB\n");
    EXPECT_EQ(m.slab_kib, 42);
    EXPECT_EQ(m.page_tables_kib, 0); // missing: 0
}

TEST(Meminfo, WithoutMemAvailableThereIsNothingToMeasure)
{
    EXPECT_THROW((void)bench::parse_meminfo("MemTotal: 100 kB\n"), std::runtime_error);
    EXPECT_THROW((void)bench::parse_meminfo(""), std::runtime_error);
}

TEST(Meminfo, ALineWithoutANumberIsSkipped)
{
    const auto m = bench::parse_meminfo("Garbage\nPageTables: many kB\nMemAvailable: 7 kB");
    EXPECT_EQ(m.mem_available_kib, 7);
    EXPECT_EQ(m.page_tables_kib, 0);
}

TEST(Meminfo, WhatAHoldTookIsPositive)
{
    bench::kernel_memory before, after;
    before.mem_available_kib = 1000;
    after.mem_available_kib = 400;
    before.page_tables_kib = 10;
    after.page_tables_kib = 70;
    before.slab_kib = 5;
    after.slab_kib = 35;
    before.kernel_stack_kib = 16;
    after.kernel_stack_kib = 32;
    const auto taken = bench::memory_taken(before, after);
    EXPECT_EQ(taken.mem_available_kib, 600);
    EXPECT_EQ(taken.page_tables_kib, 60);
    EXPECT_EQ(taken.slab_kib, 30);
    EXPECT_EQ(taken.kernel_stack_kib, 16);
}

TEST(Meminfo, ThisMachinesFileParses)
{
    const auto m = bench::read_meminfo();
    EXPECT_GT(m.mem_available_kib, 0);
    EXPECT_GT(m.kernel_stack_kib, 0);
}

} // namespace
