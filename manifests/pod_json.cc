#include "manifests/pod_json.h"

#include "manifests/quantity.h"

namespace podkeeper::manifests {
namespace {

using nlohmann::json;

void put(json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}
void put(json& j, const char* key, const std::vector<std::string>& v) {
  if (!v.empty()) j[key] = v;
}
void put(json& j, const char* key, const std::map<std::string, std::string>& v) {
  if (!v.empty()) j[key] = v;
}
template <typename T>
void put(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
void putObject(json& j, const char* key, json v) {
  if (!v.empty()) j[key] = std::move(v);
}
template <typename T, typename F>
void putList(json& j, const char* key, const std::vector<T>& items, F encode) {
  if (items.empty()) return;
  json list = json::array();
  for (const auto& item : items) list.push_back(encode(item));
  j[key] = std::move(list);
}

json resourceList(const ResourceList& r) {
  json j = json::object();
  if (r.cpuMilli) j["cpu"] = formatCpuMilli(*r.cpuMilli);
  if (r.memoryBytes) j["memory"] = formatBytes(*r.memoryBytes);
  if (r.ephemeralStorageBytes) j["ephemeral-storage"] = formatBytes(*r.ephemeralStorageBytes);
  for (const auto& [name, value] : r.extended) j[name] = std::to_string(value);
  return j;
}

json fieldRef(const ObjectFieldSelector& f) {
  return {{"apiVersion", "v1"}, {"fieldPath", f.fieldPath}};
}

json resourceFieldRef(const ResourceFieldSelector& r) {
  json j = {{"resource", r.resource}, {"divisor", r.divisor}};
  put(j, "containerName", r.containerName);
  return j;
}

json envVar(const EnvVar& e) {
  json j = {{"name", e.name}};
  put(j, "value", e.value);
  if (e.valueFrom) {
    json from = json::object();
    if (e.valueFrom->fieldRef) from["fieldRef"] = fieldRef(*e.valueFrom->fieldRef);
    if (const auto& k = e.valueFrom->fileKeyRef) {
      from["fileKeyRef"] = {{"volumeName", k->volumeName}, {"path", k->path}, {"key", k->key}};
      if (k->optional) from["fileKeyRef"]["optional"] = true;
    }
    if (e.valueFrom->resourceFieldRef) {
      from["resourceFieldRef"] = resourceFieldRef(*e.valueFrom->resourceFieldRef);
    }
    j["valueFrom"] = from;
  }
  return j;
}

json port(const PortRef& p) { return p.name.empty() ? json(p.number) : json(p.name); }

json httpGet(const HTTPGetAction& h) {
  json j = {{"path", h.path}, {"port", port(h.port)}, {"scheme", h.scheme}};
  put(j, "host", h.host);
  putList(j, "httpHeaders", h.httpHeaders, [](const HTTPHeader& x) {
    return json{{"name", x.name}, {"value", x.value}};
  });
  return j;
}

json exec(const ExecAction& e) {
  json j = json::object();
  put(j, "command", e.command);
  return j;
}

json probe(const Probe& p) {
  json j = {{"initialDelaySeconds", p.initialDelaySeconds},
            {"timeoutSeconds", p.timeoutSeconds},
            {"periodSeconds", p.periodSeconds},
            {"successThreshold", p.successThreshold},
            {"failureThreshold", p.failureThreshold}};
  if (p.handler.exec) j["exec"] = exec(*p.handler.exec);
  if (p.handler.httpGet) j["httpGet"] = httpGet(*p.handler.httpGet);
  if (p.handler.tcpSocket) {
    json t = {{"port", port(p.handler.tcpSocket->port)}};
    put(t, "host", p.handler.tcpSocket->host);
    j["tcpSocket"] = t;
  }
  if (p.handler.grpc) {
    json g = {{"port", p.handler.grpc->port}};
    if (p.handler.grpc->service) g["service"] = *p.handler.grpc->service;
    j["grpc"] = g;
  }
  put(j, "terminationGracePeriodSeconds", p.terminationGracePeriodSeconds);
  return j;
}

json lifecycleHandler(const LifecycleHandler& h) {
  json j = json::object();
  if (h.exec) j["exec"] = exec(*h.exec);
  if (h.httpGet) j["httpGet"] = httpGet(*h.httpGet);
  if (h.sleep) j["sleep"] = {{"seconds", h.sleep->seconds}};
  if (h.tcpSocket) {
    json t = {{"port", port(h.tcpSocket->port)}};
    put(t, "host", h.tcpSocket->host);
    j["tcpSocket"] = t;
  }
  return j;
}

json appArmor(const AppArmorProfile& p) {
  json j = {{"type", p.type}};
  put(j, "localhostProfile", p.localhostProfile);
  return j;
}

json seccomp(const SeccompProfile& s) {
  json j = {{"type", s.type}};
  put(j, "localhostProfile", s.localhostProfile);
  return j;
}

json seLinux(const SELinuxOptions& o) {
  json j = json::object();
  put(j, "user", o.user);
  put(j, "role", o.role);
  put(j, "type", o.type);
  put(j, "level", o.level);
  return j;
}

json securityContext(const SecurityContext& s) {
  json j = json::object();
  put(j, "privileged", s.privileged);
  if (s.capabilities) {
    json c = json::object();
    put(c, "add", s.capabilities->add);
    put(c, "drop", s.capabilities->drop);
    j["capabilities"] = c;
  }
  put(j, "readOnlyRootFilesystem", s.readOnlyRootFilesystem);
  put(j, "runAsUser", s.runAsUser);
  put(j, "runAsGroup", s.runAsGroup);
  put(j, "runAsNonRoot", s.runAsNonRoot);
  put(j, "allowPrivilegeEscalation", s.allowPrivilegeEscalation);
  if (s.seccompProfile) j["seccompProfile"] = seccomp(*s.seccompProfile);
  put(j, "procMount", s.procMount);
  if (s.appArmorProfile) j["appArmorProfile"] = appArmor(*s.appArmorProfile);
  if (s.seLinuxOptions) j["seLinuxOptions"] = seLinux(*s.seLinuxOptions);
  return j;
}

json container(const Container& c) {
  json j = {{"name", c.name},
            {"image", c.image},
            {"imagePullPolicy", c.imagePullPolicy},
            {"terminationMessagePath", c.terminationMessagePath},
            {"terminationMessagePolicy", c.terminationMessagePolicy}};
  put(j, "command", c.command);
  put(j, "args", c.args);
  putList(j, "env", c.env, envVar);
  put(j, "workingDir", c.workingDir);
  json resources = json::object();
  putObject(resources, "requests", resourceList(c.resources.requests));
  putObject(resources, "limits", resourceList(c.resources.limits));
  putObject(j, "resources", resources);
  putList(j, "ports", c.ports, [](const ContainerPort& p) {
    json x = {{"containerPort", p.containerPort}, {"protocol", p.protocol}};
    put(x, "name", p.name);
    if (p.hostPort != 0) x["hostPort"] = p.hostPort;
    return x;
  });
  putList(j, "volumeMounts", c.volumeMounts, [](const VolumeMount& m) {
    json x = {{"name", m.name}, {"mountPath", m.mountPath}};
    if (m.readOnly) x["readOnly"] = true;
    put(x, "subPath", m.subPath);
    put(x, "subPathExpr", m.subPathExpr);
    put(x, "mountPropagation", m.mountPropagation);  // both omitted when unset: hashes stay
    put(x, "recursiveReadOnly", m.recursiveReadOnly);
    return x;
  });
  if (c.livenessProbe) j["livenessProbe"] = probe(*c.livenessProbe);
  if (c.readinessProbe) j["readinessProbe"] = probe(*c.readinessProbe);
  if (c.startupProbe) j["startupProbe"] = probe(*c.startupProbe);
  if (c.lifecycle) {
    json l = json::object();
    if (c.lifecycle->postStart) l["postStart"] = lifecycleHandler(*c.lifecycle->postStart);
    if (c.lifecycle->preStop) l["preStop"] = lifecycleHandler(*c.lifecycle->preStop);
    put(l, "stopSignal", c.lifecycle->stopSignal);
    j["lifecycle"] = l;
  }
  if (c.securityContext) j["securityContext"] = securityContext(*c.securityContext);
  put(j, "restartPolicy", c.restartPolicy);  // omitted when unset: existing hashes stay
  if (c.stdin) j["stdin"] = true;            // the three omitted when false, for the same reason
  if (c.stdinOnce) j["stdinOnce"] = true;
  if (c.tty) j["tty"] = true;
  if (!c.resizePolicy.empty()) {
    json policies = json::array();
    for (const auto& p : c.resizePolicy)
      policies.push_back({{"resourceName", p.resourceName}, {"restartPolicy", p.restartPolicy}});
    j["resizePolicy"] = policies;
  }
  if (!c.restartPolicyRules.empty()) {
    json rules = json::array();
    for (const auto& rule : c.restartPolicyRules) {
      json r = {{"action", rule.action}};
      if (rule.exitCodes)
        r["exitCodes"] = {{"operator", rule.exitCodes->op}, {"values", rule.exitCodes->values}};
      rules.push_back(r);
    }
    j["restartPolicyRules"] = rules;
  }
  return j;
}

json volume(const Volume& v) {
  json j = {{"name", v.name}};
  if (v.emptyDir) {
    json e = json::object();
    put(e, "medium", v.emptyDir->medium);
    if (v.emptyDir->sizeLimitBytes) e["sizeLimit"] = formatBytes(*v.emptyDir->sizeLimitBytes);
    j["emptyDir"] = e;
  }
  if (v.hostPath) {
    json h = {{"path", v.hostPath->path}};
    put(h, "type", v.hostPath->type);
    j["hostPath"] = h;
  }
  auto items = [](json& d, const std::vector<DownwardAPIVolumeFile>& files) {
    putList(d, "items", files, [](const DownwardAPIVolumeFile& f) {
      json x = {{"path", f.path}};
      if (f.fieldRef) x["fieldRef"] = fieldRef(*f.fieldRef);
      if (f.resourceFieldRef) x["resourceFieldRef"] = resourceFieldRef(*f.resourceFieldRef);
      put(x, "mode", f.mode);
      return x;
    });
  };
  if (v.downwardAPI) {
    json d = {{"defaultMode", v.downwardAPI->defaultMode}};
    items(d, v.downwardAPI->items);
    j["downwardAPI"] = d;
  }
  if (v.image)
    j["image"] = {{"reference", v.image->reference}, {"pullPolicy", v.image->pullPolicy}};
  if (v.projected) {
    json p = {{"defaultMode", v.projected->defaultMode}};
    putList(p, "sources", v.projected->sources, [&](const VolumeProjection& s) {
      json x = json::object();
      if (s.downwardAPI) {
        json d = json::object();
        items(d, s.downwardAPI->items);
        x["downwardAPI"] = d;
      }
      return x;
    });
    j["projected"] = p;
  }
  return j;
}

json podSecurityContext(const PodSecurityContext& s) {
  json j = json::object();
  put(j, "runAsUser", s.runAsUser);
  put(j, "runAsGroup", s.runAsGroup);
  put(j, "runAsNonRoot", s.runAsNonRoot);
  if (!s.supplementalGroups.empty()) j["supplementalGroups"] = s.supplementalGroups;
  put(j, "fsGroup", s.fsGroup);
  put(j, "fsGroupChangePolicy", s.fsGroupChangePolicy);
  put(j, "supplementalGroupsPolicy", s.supplementalGroupsPolicy);
  putList(j, "sysctls", s.sysctls, [](const Sysctl& x) {
    return json{{"name", x.name}, {"value", x.value}};
  });
  if (s.seccompProfile) j["seccompProfile"] = seccomp(*s.seccompProfile);
  if (s.appArmorProfile) j["appArmorProfile"] = appArmor(*s.appArmorProfile);
  if (s.seLinuxOptions) j["seLinuxOptions"] = seLinux(*s.seLinuxOptions);
  put(j, "seLinuxChangePolicy", s.seLinuxChangePolicy);
  return j;
}

json dnsConfig(const PodDNSConfig& d) {
  json j = json::object();
  put(j, "nameservers", d.nameservers);
  put(j, "searches", d.searches);
  putList(j, "options", d.options, [](const PodDNSConfigOption& o) {
    json x = {{"name", o.name}};
    put(x, "value", o.value);
    return x;
  });
  return j;
}

}  // namespace

json specToJson(const PodSpec& s) {
  json j = {{"restartPolicy", toString(s.restartPolicy)},
            {"terminationGracePeriodSeconds", s.terminationGracePeriodSeconds},
            {"dnsPolicy", s.dnsPolicy},
            {"enableServiceLinks", s.enableServiceLinks},
            {"schedulerName", s.schedulerName}};
  putList(j, "initContainers", s.initContainers, container);
  putList(j, "containers", s.containers, container);
  put(j, "activeDeadlineSeconds", s.activeDeadlineSeconds);
  if (s.hostNetwork) j["hostNetwork"] = true;
  if (s.hostPID) j["hostPID"] = true;
  if (s.hostIPC) j["hostIPC"] = true;
  if (!s.hostUsers) j["hostUsers"] = false;
  if (!s.osName.empty()) j["os"] = {{"name", s.osName}};
  if (s.shareProcessNamespace) j["shareProcessNamespace"] = true;
  put(j, "hostname", s.hostname);
  put(j, "subdomain", s.subdomain);
  put(j, "hostnameOverride", s.hostnameOverride);
  if (s.setHostnameAsFQDN) j["setHostnameAsFQDN"] = true;
  put(j, "serviceAccountName", s.serviceAccountName);
  put(j, "automountServiceAccountToken", s.automountServiceAccountToken);
  putList(j, "hostAliases", s.hostAliases, [](const HostAlias& a) {
    json x = {{"ip", a.ip}};
    put(x, "hostnames", a.hostnames);
    return x;
  });
  if (s.dnsConfig) j["dnsConfig"] = dnsConfig(*s.dnsConfig);
  putList(j, "volumes", s.volumes, volume);
  putObject(j, "securityContext", podSecurityContext(s.securityContext));
  if (s.resources) {
    json resources = json::object();
    putObject(resources, "requests", resourceList(s.resources->requests));
    putObject(resources, "limits", resourceList(s.resources->limits));
    j["resources"] = resources;
  }
  put(j, "priority", s.priority);
  put(j, "priorityClassName", s.priorityClassName);
  return j;
}

json podToJson(const Pod& pod) {
  json meta = {{"name", pod.metadata.name}, {"namespace", pod.metadata.namespace_}};
  put(meta, "uid", pod.metadata.uid);
  put(meta, "labels", pod.metadata.labels);
  put(meta, "annotations", pod.metadata.annotations);
  return {
      {"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", meta}, {"spec", specToJson(pod.spec)}};
}

}  // namespace podkeeper::manifests
