/* LD_PRELOADed into echod by invariants_test: starts a thread before main(),
 * as a library could, to prove that echod notices it is no longer
 * single-threaded instead of forking with _Fork() regardless. */
#include <pthread.h>
#include <unistd.h>

static void* sleep_forever(void* unused)
{
    (void)unused;
    for (;;)
        pause();
    return 0;
}

__attribute__((constructor)) static void start_a_thread(void)
{
    pthread_t thread;
    if (pthread_create(&thread, 0, sleep_forever, 0) == 0)
        pthread_detach(thread);
}
