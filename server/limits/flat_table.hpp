// A hash table in one array (open addressing, linear probing), for the
// parent's per-connection bookkeeping. fork() write-protects every page the
// parent has; each page it writes afterwards costs a page fault, and a copy
// while a child still shares it. A node-based map allocates for every
// connection and writes to malloc's state too; this table writes one slot,
// and with an identity hash consecutive pids land in neighbouring slots.
// The slots are in parent_only_allocator's memory, which fork() does not
// write-protect, so writing one right after a fork costs no fault either.
// It allocates only when it grows (doubling at half full); it never shrinks.
#pragma once

#include "limits/parent_only_allocator.hpp"

#include <cstddef>
#include <utility>
#include <vector>

namespace echod {

template <typename Key, typename Value, typename Hash>
class flat_table {
public:
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

    [[nodiscard]] Value* find(const Key& key) noexcept
    {
        const std::size_t i = locate(key);
        return i == slots_.size() ? nullptr : &slots_[i].value;
    }
    [[nodiscard]] const Value* find(const Key& key) const noexcept
    {
        const std::size_t i = locate(key);
        return i == slots_.size() ? nullptr : &slots_[i].value;
    }

    // The value for `key`, inserted value-initialized if absent.
    Value& operator[](const Key& key)
    {
        if (Value* found = find(key))
            return *found;
        if (2 * (size_ + 1) > slots_.size())
            rehash(slots_.empty() ? 16 : 2 * slots_.size());
        std::size_t i = home(key);
        while (slots_[i].used)
            i = next(i);
        slots_[i] = slot{true, key, Value{}};
        ++size_;
        return slots_[i].value;
    }

    // Removes `key`; false if it was not there.
    bool erase(const Key& key) noexcept
    {
        std::size_t hole = locate(key);
        if (hole == slots_.size())
            return false;
        // Backward-shift deletion: pull later entries of the probe run into
        // the hole unless that would move them before their home slot.
        for (std::size_t i = next(hole); slots_[i].used; i = next(i)) {
            const std::size_t h = home(slots_[i].key);
            const bool stays = hole <= i ? (hole < h && h <= i) : (hole < h || h <= i);
            if (!stays) {
                slots_[hole] = std::move(slots_[i]);
                hole = i;
            }
        }
        slots_[hole] = slot{};
        --size_;
        return true;
    }

    template <typename F>
    void for_each(F f) const
    {
        for (const auto& s : slots_)
            if (s.used)
                f(s.key, s.value);
    }
    template <typename F>
    void for_each(F f)
    {
        for (auto& s : slots_)
            if (s.used)
                f(std::as_const(s.key), s.value);
    }

private:
    struct slot {
        bool used = false;
        Key key{};
        Value value{};
    };

    // The slot holding `key`, or slots_.size() if there is none.
    [[nodiscard]] std::size_t locate(const Key& key) const noexcept
    {
        if (slots_.empty())
            return 0;
        for (std::size_t i = home(key);; i = next(i)) {
            if (!slots_[i].used)
                return slots_.size();
            if (slots_[i].key == key)
                return i;
        }
    }
    [[nodiscard]] std::size_t home(const Key& key) const noexcept { return Hash{}(key) & (slots_.size() - 1); }
    [[nodiscard]] std::size_t next(std::size_t i) const noexcept { return (i + 1) & (slots_.size() - 1); }

    void rehash(std::size_t capacity)
    {
        slots old(capacity);
        old.swap(slots_);
        size_ = 0;
        for (auto& s : old)
            if (s.used)
                (*this)[s.key] = std::move(s.value);
    }

    using slots = std::vector<slot, parent_only_allocator<slot>>;
    slots slots_;
    std::size_t size_ = 0;
};

} // namespace echod
