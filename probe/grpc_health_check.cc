#include <grpcpp/client_context.h>
#include <grpcpp/create_channel_posix.h>
#include <grpcpp/support/channel_arguments.h>
#include <unistd.h>

#include "probe/grpc/health.grpc.pb.h"
#include "probe/grpc_probe.h"
#include "probe/http_probe.h"

namespace podkeeper::probe {

GrpcCheck grpcHealthCheck(int connectedFd, const std::string& addr, const std::string& service,
                          std::chrono::system_clock::time_point deadline) {
  grpc::ChannelArguments args;
  args.SetUserAgentPrefix(std::string(kProbeUserAgent));
  // The channel owns the fd from here and closes it when it goes.
  auto channel = grpc::CreateCustomInsecureChannelFromFd(addr, connectedFd, args);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(deadline);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  GrpcCheck check;
  check.code = static_cast<int>(status.error_code());
  check.statusMessage = status.error_message();
  if (status.ok()) check.servingStatus = static_cast<int>(response.status());
  return check;
}

}  // namespace podkeeper::probe
