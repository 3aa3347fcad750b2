#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <string>

#include "agent/api/pod_lookup.h"
#include "agent/http/http_message.h"
#include "status/pod_reader.h"

namespace podkeeper::api {

using AttachSocketLocator =
    std::function<std::string(const std::string& uid, const std::string& container)>;

// GET /pods/NS/NAME/attach?container=C (Upgrade: podkeeper-attach): picks the container as
// kubectl does (running), connects to its shim's attach socket and answers 101 with an
// AttachRelay, plus headers the client needs: X-Podkeeper-Container, -Tty, -Stdin and
// -Defaulted (kubectl's note). Errors are Status answers (400, 404, 500).
http::HttpResponse attachResponse(const status::PodReader& r, const KnownPod& known,
                                  const http::HttpRequest& request,
                                  boost::asio::any_io_executor executor,
                                  const AttachSocketLocator& socketOf);

}  // namespace podkeeper::api
