#include "runtime/sys/sealed_binary.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

// Needs no root: memfds, seals and execveat are open to every user.
namespace podkeeper::runtime {
namespace {

TEST(SealedBinary, CopyIsSealedAgainstWritesResizesAndNewSeals) {
  auto copy = SealedBinary::copyOf("/bin/true");
  ASSERT_TRUE(copy) << copy.error().message;
  EXPECT_EQ(fileSeals(copy->fd()).value_or(0), kBinarySeals);
  EXPECT_EQ(::pwrite(copy->fd(), "x", 1, 0), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::ftruncate(copy->fd(), 0), -1);
  EXPECT_EQ(::fcntl(copy->fd(), F_ADD_SEALS, F_SEAL_FUTURE_WRITE), -1);
}

TEST(SealedBinary, CopyHoldsTheWholeFile) {
  auto copy = SealedBinary::copyOf("/bin/true");
  ASSERT_TRUE(copy) << copy.error().message;
  struct stat st {};
  ASSERT_EQ(::fstat(copy->fd(), &st), 0);
  EXPECT_EQ(static_cast<uintmax_t>(st.st_size), std::filesystem::file_size("/bin/true"));
}

TEST(SealedBinary, ExecRunsTheCopyWithTheDescriptorsAskedFor) {
  auto copy = SealedBinary::copyOf("/bin/sh");
  ASSERT_TRUE(copy) << copy.error().message;
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  const int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(devNull, 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    static char sh[] = "sh", c[] = "-c", script[] = "readlink /proc/$$/exe; ls /proc/self/fd";
    char* const argv[] = {sh, c, script, nullptr};
    char* const envp[] = {nullptr};
    const int fds[] = {devNull, out[1], out[1]};
    copy->execWithFds(fds, argv, envp);
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(devNull);
  std::string text;
  char buf[256];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, n);
  ::close(out[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
  EXPECT_EQ(text, "/memfd:sh (deleted)\n0\n1\n2\n3\n");  // 3: the directory ls reads
}

TEST(SealedBinary, SpawnRunsTheCopyWithTheCallersSignalMask) {
  // grep reports the mask it was exec'd with (a shell would reset its own).
  auto copy = SealedBinary::copyOf("/bin/grep");
  ASSERT_TRUE(copy) << copy.error().message;
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  const int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(devNull, 0);
  static char grep[] = "grep", e[] = "-E", pattern[] = "^SigBlk", file[] = "/proc/self/status";
  char* const argv[] = {grep, e, pattern, file, nullptr};
  char* const envp[] = {nullptr};
  const int fds[] = {devNull, out[1], out[1]};
  sigset_t usr1, old;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &usr1, &old), 0);
  const pid_t child = copy->spawnWithFds(fds, argv, envp);
  sigset_t after;
  ::pthread_sigmask(SIG_SETMASK, &old, &after);
  ASSERT_GT(child, 0) << std::strerror(errno);
  EXPECT_EQ(sigismember(&after, SIGUSR1), 1);  // the caller's mask as it was
  EXPECT_EQ(sigismember(&after, SIGTERM), sigismember(&old, SIGTERM));
  ::close(out[1]);
  ::close(devNull);
  std::string text;
  char buf[256];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, n);
  ::close(out[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
  // SIGUSR1 (bit 10) blocked as in the caller, nothing else.
  EXPECT_EQ(text, "SigBlk:\t0000000000000200\n");
}

TEST(SealedBinary, SpawnRunsTheCopyWithTheDescriptorsAskedFor) {
  auto copy = SealedBinary::copyOf("/bin/sh");
  ASSERT_TRUE(copy) << copy.error().message;
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  const int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(devNull, 0);
  static char sh[] = "sh", c[] = "-c", script[] = "readlink /proc/$$/exe; ls /proc/self/fd";
  char* const argv[] = {sh, c, script, nullptr};
  char* const envp[] = {nullptr};
  const int fds[] = {devNull, out[1], out[1]};
  const pid_t child = copy->spawnWithFds(fds, argv, envp);
  ASSERT_GT(child, 0) << std::strerror(errno);
  ::close(out[1]);
  ::close(devNull);
  std::string text;
  char buf[256];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, n);
  ::close(out[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
  EXPECT_EQ(text, "/memfd:sh (deleted)\n0\n1\n2\n3\n");
}

TEST(SealedBinary, AMissingFileIsAnErrorNamingIt) {
  auto copy = SealedBinary::copyOf("/no/such/shim");
  ASSERT_FALSE(copy);
  EXPECT_NE(copy.error().message.find("/no/such/shim"), std::string::npos);
}

}  // namespace
}  // namespace podkeeper::runtime
