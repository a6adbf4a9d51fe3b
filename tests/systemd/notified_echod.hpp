// The start every sd_notify test shares: a listener in systemd's place, echod
// started with NOTIFY_SOCKET pointing at it, and its READY=1.
#pragma once

#include "notify_listener.hpp"

#include "echod_instance.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace test {

class notified_echod : public ::testing::Test {
protected:
    // Starts echod with `setup` plus NOTIFY_SOCKET and waits for READY=1;
    // a failure carries echod's log. Use as ASSERT_TRUE(start(...)).
    [[nodiscard]] ::testing::AssertionResult start(echod_setup setup = {});

    // Declared before echod: the listener outlives the daemon that talks to it.
    notify_listener systemd;
    std::unique_ptr<echod_instance> echod;
    std::string ready; // the datagram that held READY=1
};

} // namespace test
