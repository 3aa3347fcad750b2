#pragma once

#include <optional>
#include <string>
#include <string_view>

// lifecycle.stopSignal (ContainerStopSignals): the names the API server accepts for Linux pods
// (SIGTERM, SIGUSR1, SIGRTMIN+3, SIGRTMAX-2...) and the signal each is on this machine. Pure.
namespace podkeeper::manifests {

// The signal number of an accepted name; nullopt for any other string.
std::optional<int> stopSignalNumber(std::string_view name);

// The accepted names, comma-separated and quoted, for validation messages.
std::string supportedStopSignals();

}  // namespace podkeeper::manifests
