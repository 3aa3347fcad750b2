#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>

#include "etcd/etcd_client.h"
#include "etcd/etcd_v3.grpc.pb.h"

namespace podkeeper::etcd {

std::string prefixRangeEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto c = static_cast<unsigned char>(end.back());
    if (c < 0xff) {
      end.back() = static_cast<char>(c + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

Result<std::vector<std::string>> parseEndpoints(const std::string& flag) {
  std::vector<std::string> out;
  std::stringstream in(flag);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    auto rest = item.starts_with("http://")    ? item.substr(7)
                : item.starts_with("https://") ? item.substr(8)
                                               : std::string();
    auto colon = rest.rfind(':');
    if (rest.empty() || colon == std::string::npos || colon == 0 || colon + 1 == rest.size() ||
        rest.find('/') != std::string::npos)
      return failMsg("--etcd-endpoints: \"" + item + "\" is not http(s)://host:port");
    out.push_back(item);
  }
  if (out.empty()) return failMsg("--etcd-endpoints: \"" + flag + "\" names no endpoint");
  // etcd's own client (etcdctl 3.4) dials every endpoint with the first one's scheme: an https
  // member listed after an http one silently gets plaintext, which it refuses. One scheme per
  // list, then, said at start-up instead of a downgrade or a failure at run time.
  for (const auto& e : out)
    if (e.starts_with("https://") != out.front().starts_with("https://"))
      return failMsg("--etcd-endpoints: \"" + out.front() + "\" and \"" + e +
                     "\" mix http:// and https://; use one scheme for every member");
  return out;
}

namespace {

// A file named by a TLS flag: it must be a readable regular file with a PEM block in it, so a
// wrong path is a start-up error naming the flag and the file, not a handshake failing later.
Result<std::string> readPem(const std::string& path, const char* flag) {
  const std::string what = std::string(flag) + " " + path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return failSys(errno, what);
  if (!S_ISREG(st.st_mode)) return failMsg(what + ": not a regular file");
  std::ifstream f(path);
  if (!f) return failSys(errno, what);
  std::stringstream s;
  s << f.rdbuf();
  if (f.bad()) return failSys(errno, what);
  if (s.str().find("-----BEGIN ") == std::string::npos)
    return failMsg(what + ": no PEM block (-----BEGIN ...) in it");
  return s.str();
}

// gRPC's words for a TLS failure are terse ("Endpoint read failed" when etcd closed the
// connection because no client certificate came): the likely cause is said after them.
std::string tlsHint(const grpc::Status& s, const std::string& endpoint, const EtcdConfig& c) {
  if (!endpoint.starts_with("https://")) return "";
  const std::string& m = s.error_message();
  if (m.find("certificate verify failed") != std::string::npos)
    return c.caFile.empty()
               ? "; etcd's certificate is not trusted by the system CAs (--etcd-cacert)"
               : "; etcd's certificate is not signed by --etcd-cacert " + c.caFile;
  if (c.certFile.empty() && s.error_code() == grpc::StatusCode::UNAVAILABLE &&
      (m.find("Endpoint read failed") != std::string::npos ||
       m.find("Socket closed") != std::string::npos || m.find("handshake") != std::string::npos))
    return "; etcd closed the connection: it may ask for a client certificate (--etcd-cert, "
           "--etcd-key)";
  return "";
}

Error callError(const grpc::Status& s, const std::string& what, const std::string& endpoint,
                const EtcdConfig& config) {
  return Error::msg("etcd " + endpoint + ": " + what + ": " + s.error_message() + " (gRPC code " +
                    std::to_string(int(s.error_code())) + ")" + tlsHint(s, endpoint, config));
}

bool movesOn(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::UNAVAILABLE ||
         s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
         s.error_code() == grpc::StatusCode::CANCELLED ||
         s.error_code() == grpc::StatusCode::UNKNOWN;
}

class GrpcEtcdClient final : public EtcdClient {
 public:
  GrpcEtcdClient(EtcdConfig config, std::vector<std::shared_ptr<grpc::Channel>> channels)
      : config_(std::move(config)), channels_(std::move(channels)) {}

  Result<RangeResult> rangePrefix(const std::string& prefix, int64_t revision) override {
    etcdserverpb::RangeRequest req;
    req.set_key(prefix);
    req.set_range_end(prefixRangeEnd(prefix));
    req.set_revision(revision);
    etcdserverpb::RangeResponse resp;
    auto r = unary("range " + prefix, [&](grpc::ClientContext& ctx, size_t i) {
      return etcdserverpb::KV::NewStub(channels_[i])->Range(&ctx, req, &resp);
    });
    if (!r) return fail(r.error());
    RangeResult out;
    out.revision = resp.header().revision();
    for (const auto& kv : resp.kvs())
      out.kvs.push_back({kv.key(), kv.value(), kv.mod_revision(), kv.lease()});
    return out;
  }

  Result<int64_t> put(const std::string& key, const std::string& value, int64_t lease) override {
    etcdserverpb::PutRequest req;
    req.set_key(key);
    req.set_value(value);
    req.set_lease(lease);
    etcdserverpb::PutResponse resp;
    auto r = unary("put " + key, [&](grpc::ClientContext& ctx, size_t i) {
      return etcdserverpb::KV::NewStub(channels_[i])->Put(&ctx, req, &resp);
    });
    if (!r) return fail(r.error());
    return resp.header().revision();
  }

  Result<int64_t> remove(const std::string& key, bool prefix) override {
    etcdserverpb::DeleteRangeRequest req;
    req.set_key(key);
    if (prefix) req.set_range_end(prefixRangeEnd(key));
    etcdserverpb::DeleteRangeResponse resp;
    auto r = unary("delete " + key, [&](grpc::ClientContext& ctx, size_t i) {
      return etcdserverpb::KV::NewStub(channels_[i])->DeleteRange(&ctx, req, &resp);
    });
    if (!r) return fail(r.error());
    return resp.deleted();
  }

  Result<int64_t> compact(int64_t revision) override {
    etcdserverpb::CompactionRequest req;
    req.set_revision(revision);
    req.set_physical(true);
    etcdserverpb::CompactionResponse resp;
    auto r = unary("compact", [&](grpc::ClientContext& ctx, size_t i) {
      return etcdserverpb::KV::NewStub(channels_[i])->Compact(&ctx, req, &resp);
    });
    if (!r) return fail(r.error());
    return resp.header().revision();
  }

  Result<int64_t> grantLease(int64_t ttlSeconds) override {
    etcdserverpb::LeaseGrantRequest req;
    req.set_ttl(ttlSeconds);
    etcdserverpb::LeaseGrantResponse resp;
    auto r = unary("lease grant", [&](grpc::ClientContext& ctx, size_t i) {
      return etcdserverpb::Lease::NewStub(channels_[i])->LeaseGrant(&ctx, req, &resp);
    });
    if (!r) return fail(r.error());
    if (!resp.error().empty()) return failMsg("etcd lease grant: " + resp.error());
    return resp.id();
  }

  Result<int64_t> keepAlive(int64_t lease) override {
    for (size_t attempt = 0; attempt < channels_.size(); ++attempt) {
      size_t i = current_.load() % channels_.size();
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + config_.callTimeout);
      auto stream = etcdserverpb::Lease::NewStub(channels_[i])->LeaseKeepAlive(&ctx);
      etcdserverpb::LeaseKeepAliveRequest req;
      req.set_id(lease);
      etcdserverpb::LeaseKeepAliveResponse resp;
      bool ok = stream->Write(req) && stream->Read(&resp);
      stream->WritesDone();
      if (ok) {
        ctx.TryCancel();
        stream->Finish();
        return resp.ttl();
      }
      auto s = stream->Finish();
      if (!movesOn(s) && !s.ok())
        return fail(callError(s, "lease keep-alive", config_.endpoints[i], config_));
      current_.compare_exchange_strong(i, i + 1);
    }
    return failMsg("etcd lease keep-alive: no endpoint answered (" + joinedEndpoints() + ")");
  }

  Result<void> revokeLease(int64_t lease) override {
    etcdserverpb::LeaseRevokeRequest req;
    req.set_id(lease);
    etcdserverpb::LeaseRevokeResponse resp;
    return unary("lease revoke", [&](grpc::ClientContext& ctx, size_t i) {
      return etcdserverpb::Lease::NewStub(channels_[i])->LeaseRevoke(&ctx, req, &resp);
    });
  }

  WatchEnd watchPrefixes(const std::vector<std::string>& prefixes, int64_t fromRevision,
                         const std::function<bool(const WatchBatch&)>& onBatch) override {
    size_t i = current_.load() % channels_.size();
    auto ctx = std::make_shared<grpc::ClientContext>();
    {
      std::lock_guard lock(mu_);
      if (stopping_) {
        stopping_ = false;
        return {WatchEnd::Kind::Stopped, 0, ""};
      }
      watchCtx_ = ctx;
    }
    // As etcd's own clients do: a member cut off from the leader cancels the watch instead of
    // holding a stream on which no event will come.
    ctx->AddMetadata("hasleader", "true");
    auto stream = etcdserverpb::Watch::NewStub(channels_[i])->Watch(ctx.get());
    for (size_t w = 0; w < prefixes.size(); ++w) {
      etcdserverpb::WatchRequest req;
      auto* create = req.mutable_create_request();
      create->set_key(prefixes[w]);
      create->set_range_end(prefixRangeEnd(prefixes[w]));
      create->set_start_revision(fromRevision);
      create->set_progress_notify(true);
      create->set_watch_id(int64_t(w) + 1);
      if (!stream->Write(req)) break;
    }
    etcdserverpb::WatchResponse resp;
    WatchEnd end;
    while (stream->Read(&resp)) {
      if (resp.compact_revision() > 0) {
        end = {WatchEnd::Kind::Compacted, resp.compact_revision(), ""};
        ctx->TryCancel();
        break;
      }
      if (resp.canceled()) {
        end = {WatchEnd::Kind::Failed, 0,
               "etcd " + config_.endpoints[i] + ": watch canceled: " + resp.cancel_reason()};
        ctx->TryCancel();
        break;
      }
      WatchBatch batch;
      batch.revision = resp.header().revision();
      for (const auto& ev : resp.events()) {
        WatchEvent e;
        e.deleted = ev.type() == etcdserverpb::Event::DELETE;
        e.kv = {ev.kv().key(), ev.kv().value(), ev.kv().mod_revision(), ev.kv().lease()};
        batch.events.push_back(std::move(e));
      }
      if (!onBatch(batch)) {
        end = {WatchEnd::Kind::Stopped, 0, ""};
        ctx->TryCancel();
        break;
      }
    }
    auto s = stream->Finish();
    bool stopped;
    {
      std::lock_guard lock(mu_);
      stopped = stopping_;
      stopping_ = false;
      watchCtx_.reset();
    }
    if (stopped) return {WatchEnd::Kind::Stopped, 0, ""};
    if (end.kind == WatchEnd::Kind::Failed && end.why.empty()) {
      end.why = callError(s, "watch", config_.endpoints[i], config_).message;
      current_.compare_exchange_strong(i, i + 1);  // the next try goes to another member
    }
    return end;
  }

  void stopWatch() override {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (watchCtx_) watchCtx_->TryCancel();
  }

 private:
  template <class Call>
  Result<void> unary(const std::string& what, Call call) {
    grpc::Status last;
    size_t lastIndex = 0;
    for (size_t attempt = 0; attempt < channels_.size(); ++attempt) {
      size_t i = current_.load() % channels_.size();
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + config_.callTimeout);
      grpc::Status s = call(ctx, i);
      if (s.ok()) return {};
      last = s;
      lastIndex = i;
      if (!movesOn(s)) break;
      current_.compare_exchange_strong(i, i + 1);
    }
    return fail(callError(last, what, config_.endpoints[lastIndex], config_));
  }

  std::string joinedEndpoints() const {
    std::string out;
    for (const auto& e : config_.endpoints) out += (out.empty() ? "" : ",") + e;
    return out;
  }

  EtcdConfig config_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::atomic<size_t> current_{0};
  std::mutex mu_;
  std::shared_ptr<grpc::ClientContext> watchCtx_;
  bool stopping_ = false;
};

}  // namespace

Result<void> checkEtcdConfig(const EtcdConfig& config) {
  if (config.endpoints.empty()) return failMsg("--etcd-endpoints: no endpoint");
  if (config.certFile.empty() != config.keyFile.empty())
    return failMsg("--etcd-cert and --etcd-key go together");
  for (auto [flag, path] : {std::pair{"--etcd-cacert", &config.caFile},
                            {"--etcd-cert", &config.certFile},
                            {"--etcd-key", &config.keyFile}})
    if (!path->empty())
      if (auto r = readPem(*path, flag); !r) return fail(r.error());
  return {};
}

std::unique_ptr<EtcdClient> makeGrpcEtcdClient(const EtcdConfig& config) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetMaxReceiveMessageSize(64 << 20);
  for (const auto& e : config.endpoints) {
    bool tls = e.starts_with("https://");
    std::string target = e.substr(tls ? 8 : 7);
    std::shared_ptr<grpc::ChannelCredentials> creds;
    if (tls) {
      grpc::SslCredentialsOptions o;
      if (!config.caFile.empty())
        o.pem_root_certs = readPem(config.caFile, "--etcd-cacert").value_or("");
      if (!config.certFile.empty()) {
        o.pem_cert_chain = readPem(config.certFile, "--etcd-cert").value_or("");
        o.pem_private_key = readPem(config.keyFile, "--etcd-key").value_or("");
      }
      creds = grpc::SslCredentials(o);
    } else {
      creds = grpc::InsecureChannelCredentials();
    }
    channels.push_back(grpc::CreateCustomChannel(target, creds, args));
  }
  return std::make_unique<GrpcEtcdClient>(config, std::move(channels));
}

}  // namespace podkeeper::etcd
