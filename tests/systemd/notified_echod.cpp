#include "notified_echod.hpp"

namespace test {

::testing::AssertionResult notified_echod::start(echod_setup setup)
{
    setup.env.insert(setup.env.begin(), systemd.environment());
    echod = std::make_unique<echod_instance>(std::move(setup));
    const auto message = systemd.wait_for("READY=1");
    if (!message)
        return ::testing::AssertionFailure() << "no READY=1; log:\n" << echod->log();
    ready = *message;
    return ::testing::AssertionSuccess();
}

} // namespace test
