/* The static build of fork_cost touches no library. */
void touch_libraries(void) {}
