#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "manifests/admission.h"

namespace podkeeper::agent {

// `podkeeper validate [-o json] FILE...`: decodes, defaults and validates each file as the
// agent would (files over 1 MiB are refused unread). Every problem goes to err, one line
// each, as FILE:LINE:COLUMN: FIELD: MESSAGE (warnings too). Without json, one summary line
// per valid file goes to out; with json, out receives one object
//   {"apiVersion": "v1", "kind": "List", "items": [Pod...]}
// holding the defaulted pods of the valid files (Kubernetes field names; metadata.uid is the
// effective UID, annotation podkeeper.io/spec-hash the spec hash).
// Returns 0 when every file is valid, 1 otherwise.
// Admission (manifests/admission.h) runs after validation with the same policy the agent is
// given, so a pod the agent would refuse (a forbidden sysctl, a probe host that is a name) fails
// here too, printed as FILE:LINE:COLUMN: FIELD: MESSAGE (REASON).
int runValidate(const std::vector<std::string>& files, bool json, std::ostream& out,
                std::ostream& err, const manifests::AdmissionPolicy& policy = {});

}  // namespace podkeeper::agent
