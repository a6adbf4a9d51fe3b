// Each mode runs to completion and returns echo-bench's exit status.
#pragma once

#include "cli.hpp"

namespace bench {

int run_rate(const options& o);
int run_latency(const options& o);
int run_bulk(const options& o);
int run_hold(const options& o);
int run_probe(const options& o);
int run_free_port(const options& o);
int run_memory(const options& o);
int run_udp_rate(const options& o);
int run_udp_probe(const options& o);

} // namespace bench
