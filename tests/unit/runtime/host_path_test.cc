#include "runtime/sandbox/host_path.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

namespace podkeeper::runtime {
namespace {

using Action = HostPathStep::Action;

TEST(HostPathCheck, EmptyTypeMountsWhateverIsThereWithoutChecking) {
  EXPECT_EQ(hostPathCheck("/x", "", std::nullopt).action, Action::Mount);
  EXPECT_EQ(hostPathCheck("/x", "", FileKind::Socket).action, Action::Mount);
}

TEST(HostPathCheck, DirectoryOrCreateMakesAMissingDirectoryAndRefusesAFile) {
  EXPECT_EQ(hostPathCheck("/x", "DirectoryOrCreate", std::nullopt).action, Action::MakeDirectory);
  EXPECT_EQ(hostPathCheck("/x", "DirectoryOrCreate", FileKind::Directory).action, Action::Mount);
  const auto refused = hostPathCheck("/x", "DirectoryOrCreate", FileKind::File);
  EXPECT_EQ(refused.action, Action::Refuse);
  EXPECT_EQ(refused.message, "hostPath type check failed: /x is not a directory");
}

TEST(HostPathCheck, DirectoryRefusesMissingAndNonDirectories) {
  EXPECT_EQ(hostPathCheck("/x", "Directory", FileKind::Directory).action, Action::Mount);
  EXPECT_EQ(hostPathCheck("/x", "Directory", std::nullopt).message,
            "hostPath type check failed: /x is not a directory");
  EXPECT_EQ(hostPathCheck("/x", "Directory", FileKind::CharDevice).action, Action::Refuse);
}

TEST(HostPathCheck, FileOrCreateMakesAMissingFileAndRefusesADirectory) {
  EXPECT_EQ(hostPathCheck("/f", "FileOrCreate", std::nullopt).action, Action::MakeFile);
  EXPECT_EQ(hostPathCheck("/f", "FileOrCreate", FileKind::File).action, Action::Mount);
  EXPECT_EQ(hostPathCheck("/f", "FileOrCreate", FileKind::Directory).message,
            "hostPath type check failed: /f is not a file");
}

TEST(HostPathCheck, FileRefusesMissingDirectoriesAndDevices) {
  EXPECT_EQ(hostPathCheck("/f", "File", FileKind::File).action, Action::Mount);
  EXPECT_EQ(hostPathCheck("/f", "File", std::nullopt).action, Action::Refuse);
  EXPECT_EQ(hostPathCheck("/f", "File", FileKind::Directory).action, Action::Refuse);
  EXPECT_EQ(hostPathCheck("/f", "File", FileKind::BlockDevice).action, Action::Refuse);
}

TEST(HostPathCheck, SocketCharDeviceAndBlockDeviceAcceptOnlyTheirKind) {
  EXPECT_EQ(hostPathCheck("/s", "Socket", FileKind::Socket).action, Action::Mount);
  EXPECT_EQ(hostPathCheck("/s", "Socket", FileKind::File).message,
            "hostPath type check failed: /s is not a socket file");
  EXPECT_EQ(hostPathCheck("/c", "CharDevice", FileKind::CharDevice).action, Action::Mount);
  EXPECT_EQ(hostPathCheck("/c", "CharDevice", FileKind::BlockDevice).message,
            "hostPath type check failed: /c is not a character device");
  EXPECT_EQ(hostPathCheck("/b", "BlockDevice", FileKind::BlockDevice).action, Action::Mount);
  EXPECT_EQ(hostPathCheck("/b", "BlockDevice", std::nullopt).message,
            "hostPath type check failed: /b is not a block device");
}

TEST(HostPathCheck, UnknownTypeIsRefusedNamingIt) {
  const auto step = hostPathCheck("/x", "Fifo", FileKind::File);
  EXPECT_EQ(step.action, Action::Refuse);
  EXPECT_EQ(step.message, "Fifo is an invalid volume type");
}

TEST(FileKindOf, FifosAndRegularFilesAreFilesAsInTheKubelet) {
  EXPECT_EQ(fileKindOf(S_IFREG | 0644), FileKind::File);
  EXPECT_EQ(fileKindOf(S_IFIFO | 0644), FileKind::File);
  EXPECT_EQ(fileKindOf(S_IFDIR | 0755), FileKind::Directory);
  EXPECT_EQ(fileKindOf(S_IFSOCK | 0755), FileKind::Socket);
  EXPECT_EQ(fileKindOf(S_IFCHR | 0666), FileKind::CharDevice);
  EXPECT_EQ(fileKindOf(S_IFBLK | 0660), FileKind::BlockDevice);
}

}  // namespace
}  // namespace podkeeper::runtime
