#include "split_io.hpp"

#include "reader.hpp"

#include "echo/error.hpp"
#include "echo/exit_status.hpp"
#include "echo/io.hpp"
#include "echo/log.hpp"
#include "echo/protocol.hpp"
#include "echo/signals.hpp"

#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <optional>

namespace echo_client {
namespace {

namespace status = echo::exit_status;

// A byte counter both processes see: the child counts what it printed, the
// parent compares it with what it sent once the child is gone.
class shared_counter {
public:
    shared_counter()
    {
        void* p = ::mmap(nullptr, sizeof(std::atomic<std::uint64_t>), PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            echo::throw_errno("mmap");
        counter_ = new (p) std::atomic<std::uint64_t>(0);
    }
    ~shared_counter() { ::munmap(counter_, sizeof *counter_); }
    shared_counter(const shared_counter&) = delete;
    shared_counter& operator=(const shared_counter&) = delete;

    std::atomic<std::uint64_t>& get() noexcept { return *counter_; }

private:
    std::atomic<std::uint64_t>* counter_ = nullptr;
    static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "shared across processes");
};

// The parent half: stdin to the socket, watching the child all along so that
// a vanished server is noticed at once, not at the next write.
class writer {
public:
    writer(int socket, echo::signal_events& signals, pid_t reader, std::string server)
        : socket_(socket), signals_(signals), reader_(reader), server_(std::move(server)) {}

    int run(const std::atomic<std::uint64_t>& received);

private:
    void read_input();
    void send_pending();
    [[nodiscard]] int interrupted(int signo);
    [[nodiscard]] int conclude(int wait_status, std::uint64_t received) const;

    int socket_;
    echo::signal_events& signals_;
    pid_t reader_;
    std::string server_;

    echo::protocol::quit_line_filter quit_filter_;
    char buffer_[128 * 1024];
    std::string outbox_; // bytes read from stdin, not yet all sent
    std::size_t outbox_sent_ = 0;
    std::uint64_t sent_ = 0;
    bool input_open_ = true;
    bool input_failed_ = false;
    bool shut_down_ = false;
    int send_error_ = 0;
};

void writer::read_input()
{
    const auto in = echo::read_some(STDIN_FILENO, buffer_);
    outbox_.clear();
    outbox_sent_ = 0;
    if (!in.ok()) {
        echo::logging::fatal(std::string("cannot read standard input: ") + std::strerror(in.error));
        input_failed_ = true;
        input_open_ = false;
        return;
    }
    if (in.bytes == 0) {
        outbox_.assign(quit_filter_.finish());
        input_open_ = false;
        return;
    }
    const auto step = quit_filter_.feed({buffer_, in.bytes});
    outbox_.assign(step.held);
    outbox_.append(buffer_, step.forward);
    if (step.quit)
        input_open_ = false; // lines after the quit line are not sent
}

void writer::send_pending()
{
    while (outbox_sent_ < outbox_.size()) {
        const ssize_t n = ::send(socket_, outbox_.data() + outbox_sent_, outbox_.size() - outbox_sent_,
                                 MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            outbox_sent_ += static_cast<std::size_t>(n);
            sent_ += static_cast<std::uint64_t>(n);
        } else if (errno == EAGAIN || errno == EINTR) {
            return; // poll says when there is room
        } else {
            // The server is gone; the reader will see it too and end.
            send_error_ = errno;
            input_open_ = false;
            outbox_.clear();
            outbox_sent_ = 0;
            return;
        }
    }
}

int writer::run(const std::atomic<std::uint64_t>& received)
{
    for (;;) {
        const bool outbox_empty = outbox_sent_ == outbox_.size();
        if (!input_open_ && outbox_empty && !shut_down_ && send_error_ == 0) {
            // End of our input: the server sees end of file, echoes the rest and closes.
            ::shutdown(socket_, SHUT_WR);
            shut_down_ = true;
        }
        pollfd fds[2] = {{signals_.fd(), POLLIN, 0}, {-1, 0, 0}};
        if (!outbox_empty && send_error_ == 0)
            fds[1] = {socket_, POLLOUT, 0};
        else if (input_open_)
            fds[1] = {STDIN_FILENO, POLLIN, 0};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            echo::throw_errno("poll");
        }
        while (const auto info = signals_.next()) {
            const int signo = static_cast<int>(info->ssi_signo);
            if (signo != SIGCHLD)
                return interrupted(signo);
            int wait_status = 0;
            if (::waitpid(reader_, &wait_status, WNOHANG) == reader_)
                return conclude(wait_status, received.load(std::memory_order_relaxed));
        }
        if (fds[1].fd == socket_ && fds[1].revents)
            send_pending();
        else if (fds[1].fd == STDIN_FILENO && fds[1].revents)
            read_input();
    }
}

int writer::interrupted(int signo)
{
    ::kill(reader_, SIGTERM);
    while (::waitpid(reader_, nullptr, 0) < 0 && errno == EINTR) {
    }
    const char* name = ::sigabbrev_np(signo);
    echo::logging::fatal(std::string("interrupted by SIG") + (name ? name : "?"));
    return status::signal_base + signo;
}

int writer::conclude(int wait_status, std::uint64_t received) const
{
    if (WIFSIGNALED(wait_status)) {
        echo::logging::fatal("the reading process was killed by signal " + std::to_string(WTERMSIG(wait_status)));
        return status::failure;
    }
    switch (WEXITSTATUS(wait_status)) {
    case reader_status::output_error:
        return status::io_error;
    case reader_status::server_closed:
        break;
    default:
        return status::failure; // the reader said why
    }
    if (send_error_ != 0) {
        echo::logging::fatal(server_ + " closed the connection before all input was sent (" +
                             std::strerror(send_error_) + ")");
        return status::failure;
    }
    if (!shut_down_) {
        echo::logging::fatal(server_ + " closed the connection");
        return status::failure;
    }
    if (received != sent_) {
        echo::logging::fatal(server_ + " closed the connection after echoing " + std::to_string(received) +
                             " of " + std::to_string(sent_) + " bytes");
        return status::failure;
    }
    return input_failed_ ? status::io_error : status::ok;
}

} // namespace

int run_split_io(echo::unique_fd socket, const std::string& server)
{
    shared_counter received;
    // Blocked before fork, so no SIGCHLD can be missed.
    echo::signal_events signals({SIGCHLD, SIGINT, SIGTERM, SIGHUP});
    const pid_t parent = ::getpid();
    const pid_t reader = ::fork();
    if (reader < 0)
        throw echo::fatal_error(status::os_error, std::string("cannot fork: ") + std::strerror(errno));
    if (reader == 0) {
        // The reader must not outlive the writer, even one killed with SIGKILL.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        signals.release_in_child();
        if (::getppid() != parent)
            ::_exit(reader_status::socket_error);
        ::close(STDIN_FILENO);
        ::_exit(copy_socket_to_stdout(socket.get(), received.get()));
    }
    auto w = std::make_unique<writer>(socket.get(), signals, reader, server);
    return w->run(received.get());
}

} // namespace echo_client
