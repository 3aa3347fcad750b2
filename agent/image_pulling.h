#pragma once

#include <boost/asio/io_context.hpp>
#include <string>

#include "agent/registry_pull_source.h"
#include "common/background_work.h"
#include "common/clock.h"
#include "image/registry/http_client.h"
#include "image/registry/image_puller.h"
#include "image/registry/registry_client.h"
#include "image/registry/registry_config.h"
#include "image/store/image_store.h"

// The agent's pull path, built in one place: the registry client and puller over the image
// store, run on their own BackgroundWork (`atOnce` pulls at once, imagePullsAtOnce; each
// fetches 3 layers in parallel).
namespace podkeeper::agent {

class ImagePulling {
 public:
  ImagePulling(boost::asio::io_context& io, const Clock& clock, image::ImageStore& store,
               image::registry::AuthFile auth, const image::registry::RegistryConfig& config,
               std::string imageDir, size_t atOnce)
      : client_(http_, image::registry::registryOptions(config), std::move(auth), clock),
        puller_(client_, store),
        work_(io, atOnce),
        source_(work_, puller_, std::move(imageDir)) {}

  reconciler::ImagePullSource& source() { return source_; }

 private:
  image::registry::CurlHttpClient http_;
  image::registry::RegistryClient client_;
  image::registry::ImagePuller puller_;
  BackgroundWork work_;  // destroyed before the puller: waits for the pulls in flight
  RegistryPullSource source_;
};

}  // namespace podkeeper::agent
