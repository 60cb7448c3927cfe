#include "studio/service.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "base/id.h"
#include "base/sha256.h"
#include "blobs/blob_registry.h"
#include "estimating/learning.h"
#include "estimating/repository.h"
#include "events/event_types.h"
#include "http/json.h"
#include "project/status.h"
#include "sign/spec.h"
#include "studio/canonical_json.h"
#include "studio/json_patch.h"
#include "studio/structure_check.h"

namespace signx::studio {
namespace {

namespace json = boost::json;

Status Stale(std::string_view what, int64_t expected, int64_t now) {
  return Status(ErrorCode::kPreconditionFailed,
                fmt::format("{} changed: you sent If-Match for version {}, it is at version {} "
                            "(reload it and retry)",
                            what, expected, now));
}

json::object ParseObjectOrEmpty(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.get_object());
}

bool ValidFileName(std::string_view name) {
  if (name.empty() || name.size() > 128 || name[0] == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string Today(const Clock& clock) {
  const std::string rfc = FormatRfc3339(clock.Now());
  return rfc.substr(0, 10);
}

}  // namespace

Result<std::string> StudioService::CurrentPayloadsSha(StudioRepository& repo,
                                                      std::string_view project_id) {
  SIGNX_ASSIGN_OR_RETURN(auto current, repo.CurrentPayloads(project_id));
  if (current.empty()) return std::string();
  std::map<std::string, std::string> by_module;
  for (const auto& [m, p] : current) by_module[m] = p.sha256;
  return PayloadsSha256(by_module);
}

Result<GuardFacts> StudioService::Facts(StudioRepository& repo, const ProjectState& p,
                                        const TransitionRule& rule) {
  GuardFacts f;
  f.held_from = p.held_from;
  for (Guard g : rule.guards) {
    switch (g) {
      case Guard::kStructureCheckPassed: {
        SIGNX_ASSIGN_OR_RETURN(auto latest, repo.LatestPayload(p.id, "structure"));
        if (!latest) {
          f.structure_check_detail = "no structure payload is saved";
          break;
        }
        SIGNX_ASSIGN_OR_RETURN(auto calc, repo.FindCalculation(p.id, latest->sha256));
        if (!calc) {
          f.structure_check_detail =
              fmt::format("structure payload v{} has no calculation", latest->version);
        } else if (!calc->passed) {
          std::string why;
          json::object r = ParseObjectOrEmpty(calc->result_json);
          if (auto* fl = r.if_contains("failures"); fl && fl->is_array()) {
            for (const auto& x : fl->get_array()) {
              if (!x.is_string()) continue;
              if (!why.empty()) why += "; ";
              why += x.get_string();
            }
          }
          f.structure_check_detail = fmt::format("the calculation of structure payload v{} fails{}",
                                                 latest->version, why.empty() ? "" : ": " + why);
        } else {
          f.structure_check_passed = true;
        }
        break;
      }
      case Guard::kQuoteCurrent: {
        SIGNX_ASSIGN_OR_RETURN(std::string sha, CurrentPayloadsSha(repo, p.id));
        if (!sha.empty()) {
          SIGNX_ASSIGN_OR_RETURN(f.quote_current, repo.HasQuoteFor(p.id, sha));
        }
        break;
      }
      case Guard::kApprovalRecorded: {
        SIGNX_ASSIGN_OR_RETURN(f.approval_recorded, repo.ApprovalRecorded(p.id));
        break;
      }
      case Guard::kActualCostRecorded: {
        SIGNX_ASSIGN_OR_RETURN(f.actual_cost_recorded, repo.ActualCostRecorded(p.id));
        break;
      }
      case Guard::kResumesToHeldStatus:
        break;
    }
  }
  return f;
}

Result<TransitionResult> StudioService::Transition(const Scope& scope,
                                                   const http::Principal& principal,
                                                   std::string_view project_id, std::string_view to,
                                                   int64_t expected_version,
                                                   const json::object& data) {
  if (!project::IsStatus(to)) return ValidationFailed({{"to", project::StatusRule()}});
  std::optional<int64_t> actual_cost;
  if (const json::value* a = data.if_contains("actual_cost_cents")) {
    if (to != "closed") {
      return ValidationFailed({{"data.actual_cost_cents", "is only taken when moving to closed"}});
    }
    if (!(a->is_int64() || a->is_uint64()) || a->to_number<int64_t>() <= 0 ||
        a->to_number<int64_t>() > int64_t{1'000'000'000'000}) {
      return ValidationFailed(
          {{"data.actual_cost_cents", "must be an integer between 1 and 1000000000000"}});
    }
    actual_cost = a->to_number<int64_t>();
  }
  auto result =
      store_.WithTxnResult<TransitionResult>([&](storage::Txn& txn) -> Result<TransitionResult> {
        StudioRepository repo(txn, scope, clock_);
        SIGNX_ASSIGN_OR_RETURN(ProjectState p, repo.GetProject(project_id, /*for_update=*/true));
        if (p.version != expected_version) {
          return Stale(fmt::format("project {}", p.id), expected_version, p.version);
        }
        const TransitionRule* rule = FindTransition(p.status, to);
        if (rule == nullptr) {
          auto refusal = CheckTransition(p.status, to, {});
          return Status(ErrorCode::kConflict, refusal->message, {{"guard", refusal->reason}});
        }
        if (!principal.Can(rule->permission)) {
          return Status(ErrorCode::kPermissionDenied,
                        fmt::format("moving a project from {} to {} needs the permission {}",
                                    p.status, to, rule->permission));
        }
        if (actual_cost) {
          // The actual cost as an estimating cost record (the learning loop's input).
          SIGNX_ASSIGN_OR_RETURN(auto current, repo.CurrentPayloads(p.id));
          std::map<std::string, json::object> configs;
          for (const auto& [m, pl] : current) configs[m] = ParseObjectOrEmpty(pl.config_json);
          json::object spec_json = CostSpecFromPayloads(configs);
          if (spec_json.empty()) {
            return ValidationFailed(
                {{"data.actual_cost_cents",
                  "needs the structure and cabinet payloads (the cost record's drivers)"}});
          }
          auto spec = sign::ParseSignSpec(spec_json);
          if (!spec.ok()) {
            std::vector<FieldError> errors;
            for (const auto& e : spec.status().details()) {
              errors.push_back({"payloads." + e.field, e.message});
            }
            if (errors.empty()) return spec.status();
            return ValidationFailed(std::move(errors),
                                    "the payloads do not make a cost-record sign spec");
          }
          estimating::CostRecordData d;
          d.drivers = sign::ToDrivers(*spec);
          d.actual.total_cost_cents = *actual_cost;
          d.cost_date = Today(clock_);
          d.notes = "studio: actual cost recorded when the project closed";
          estimating::Repository est(txn, scope, clock_);
          SIGNX_ASSIGN_OR_RETURN(auto record, est.CreateCostRecord(p.id, d));
          SIGNX_RETURN_IF_ERROR(
              estimating::EnqueueDriftEvaluation(queue_, txn, scope.org_id, clock_).status());
          SIGNX_RETURN_IF_ERROR(outbox_
                                    .Append(txn, {.type = std::string(events::kCostRecordCreated),
                                                  .org_id = scope.org_id,
                                                  .subject_id = record.id,
                                                  .payload_json = http::ToJsonText(json::object{
                                                      {"cost_record_id", record.id},
                                                      {"project_id", p.id},
                                                      {"total_cost_cents", *actual_cost}})})
                                    .status());
        }
        SIGNX_ASSIGN_OR_RETURN(GuardFacts facts, Facts(repo, p, *rule));
        if (auto refusal = CheckTransition(p.status, to, facts)) {
          return Status(ErrorCode::kConflict, refusal->message, {{"guard", refusal->reason}});
        }
        const std::optional<std::string> held =
            to == "on_hold" ? std::optional<std::string>(p.status) : std::nullopt;
        SIGNX_ASSIGN_OR_RETURN(ProjectState moved, repo.SetStatus(p, expected_version, to, held));
        SIGNX_ASSIGN_OR_RETURN(ProjectEvent ev, repo.InsertEvent(p.id, p.status, to, data));
        SIGNX_RETURN_IF_ERROR(outbox_
                                  .Append(txn, {.type = std::string(events::kProjectStatusChanged),
                                                .org_id = scope.org_id,
                                                .subject_id = p.id,
                                                .payload_json = http::ToJsonText(
                                                    json::object{{"project_id", p.id},
                                                                 {"from", p.status},
                                                                 {"to", std::string(to)},
                                                                 {"actor", ev.actor},
                                                                 {"event_id", ev.id},
                                                                 {"version", moved.version},
                                                                 {"data", data}})})
                                  .status());
        return TransitionResult{std::move(moved), std::move(ev)};
      });
  if (result.ok()) outbox_.Notify();
  return result;
}

Status StudioService::DeleteProject(const Scope& scope, std::string_view project_id,
                                    int64_t expected_version) {
  blobs::BlobRegistry registry(*blobs_, clock_);
  Status st = store_.WithTxn([&](storage::Txn& txn) -> Status {
    StudioRepository repo(txn, scope, clock_);
    SIGNX_ASSIGN_OR_RETURN(ProjectState p, repo.GetProject(project_id, true));
    if (p.version != expected_version) {
      return Stale(fmt::format("project {}", p.id), expected_version, p.version);
    }
    if (p.status != "draft" && p.status != "cancelled") {
      return Status(ErrorCode::kConflict,
                    fmt::format("project {} is {}: only a draft or cancelled project can be "
                                "deleted (cancel it first)",
                                p.id, p.status),
                    {{"status", p.status}});
    }
    for (std::string_view m : kModules) {
      SIGNX_ASSIGN_OR_RETURN(auto versions, repo.PayloadVersions(p.id, m));
      for (const StoredPayload& v : versions) {
        for (const PayloadFile& f : v.files) SIGNX_RETURN_IF_ERROR(registry.Release(txn, f.sha256));
      }
    }
    SIGNX_RETURN_IF_ERROR(repo.DeleteProject(p.id, expected_version));
    return outbox_
        .Append(txn, {.type = std::string(events::kProjectDeleted),
                      .org_id = scope.org_id,
                      .subject_id = p.id,
                      .payload_json = http::ToJsonText(
                          json::object{{"project_id", p.id}, {"status", p.status}})})
        .status();
  });
  if (st.ok()) outbox_.Notify();
  return st;
}

Result<ProjectState> StudioService::GetProject(const Scope& scope, std::string_view project_id) {
  return store_.WithTxnResult<ProjectState>(
      [&](storage::Txn& txn) {
        return StudioRepository(txn, scope, clock_).GetProject(project_id);
      },
      {.read_only = true});
}

Result<Page<ProjectState>> StudioService::ListByStatus(const Scope& scope, std::string_view status,
                                                       std::string_view cursor, int limit) {
  return store_.WithTxnResult<Page<ProjectState>>(
      [&](storage::Txn& txn) {
        return StudioRepository(txn, scope, clock_).ListByStatus(status, cursor, limit);
      },
      {.read_only = true});
}

Result<std::vector<NextMove>> StudioService::NextMoves(const Scope& scope,
                                                       const http::Principal& principal,
                                                       std::string_view project_id) {
  return store_.WithTxnResult<std::vector<NextMove>>(
      [&](storage::Txn& txn) -> Result<std::vector<NextMove>> {
        StudioRepository repo(txn, scope, clock_);
        SIGNX_ASSIGN_OR_RETURN(ProjectState p, repo.GetProject(project_id));
        std::vector<NextMove> out;
        for (const TransitionRule& rule : Transitions()) {
          if (rule.from != p.status) continue;
          if (p.status == "on_hold" && rule.to != "cancelled" &&
              (!p.held_from || rule.to != *p.held_from)) {
            continue;  // only the resume to where it was is a move
          }
          NextMove m{.to = std::string(rule.to), .permission = std::string(rule.permission)};
          SIGNX_ASSIGN_OR_RETURN(GuardFacts facts, Facts(repo, p, rule));
          m.refusal = CheckTransition(p.status, rule.to, facts);
          if (!m.refusal && !principal.Can(rule.permission)) {
            m.refusal =
                Refusal{"permission", fmt::format("needs the permission {}", rule.permission)};
          }
          out.push_back(std::move(m));
        }
        return out;
      },
      {.read_only = true});
}

Result<Page<ProjectEvent>> StudioService::ListEvents(const Scope& scope,
                                                     std::string_view project_id,
                                                     std::string_view cursor, int limit) {
  return store_.WithTxnResult<Page<ProjectEvent>>(
      [&](storage::Txn& txn) -> Result<Page<ProjectEvent>> {
        StudioRepository repo(txn, scope, clock_);
        SIGNX_RETURN_IF_ERROR(repo.GetProject(project_id).status());
        return repo.ListEvents(project_id, cursor, limit);
      },
      {.read_only = true});
}

json::object StudioService::CostSnapshot(std::string_view org_id,
                                         const std::map<std::string, json::object>& configs) {
  json::object spec = CostSpecFromPayloads(configs);
  if (spec.empty()) {
    return {{"status", "unavailable"},
            {"reason",
             "the cost model needs the structure and cabinet payloads (size, wind, material)"}};
  }
  if (cost_ == nullptr) {
    return {{"status", "unavailable"},
            {"reason", "no cost model is loaded in this process"},
            {"spec", spec}};
  }
  auto r = cost_->PredictJson(org_id, spec);
  if (r.ok()) {
    return {{"status", "ok"}, {"spec", spec}, {"prediction", json::parse(*r)}};
  }
  if (r.status().code() == ErrorCode::kUnavailable) {
    return {{"status", "unavailable"},
            {"reason", "no cost model is loaded for this organization"},
            {"spec", spec}};
  }
  if (r.status().code() == ErrorCode::kValidationFailed) {
    json::array errors;
    for (const auto& e : r.status().details()) {
      errors.push_back(json::object{{"field", e.field}, {"message", e.message}});
    }
    return {{"status", "invalid"},
            {"reason", "the payloads do not make a valid sign spec for the cost model"},
            {"errors", std::move(errors)},
            {"spec", spec}};
  }
  return {{"status", "error"}, {"reason", std::string(r.status().message())}, {"spec", spec}};
}

Result<PayloadView> StudioService::AppendVersion(const Scope& scope, std::string_view project_id,
                                                 std::string_view module, const Precondition& pre,
                                                 const std::optional<json::value>& config,
                                                 const std::optional<PayloadFile>& new_file,
                                                 const std::optional<blobs::BlobInfo>& blob) {
  // The structure check is pure and deterministic: run it before the transaction.
  std::optional<StructureCheck> check;
  if (module == "structure" && config) {
    SIGNX_ASSIGN_OR_RETURN(check, CheckStructurePayload(config->get_object()));
  }
  blobs::BlobRegistry registry(*blobs_, clock_);
  auto result = store_.WithTxnResult<PayloadView>([&](storage::Txn& txn) -> Result<PayloadView> {
    StudioRepository repo(txn, scope, clock_);
    SIGNX_ASSIGN_OR_RETURN(ProjectState p, repo.GetProject(project_id, true));
    if (IsFinal(p.status)) {
      return Status(ErrorCode::kConflict,
                    fmt::format("project {} is {}: its payloads are frozen", p.id, p.status),
                    {{"status", p.status}});
    }
    SIGNX_ASSIGN_OR_RETURN(auto latest, repo.LatestPayload(p.id, module));
    if (pre.must_not_exist && latest) {
      return Status(ErrorCode::kPreconditionFailed,
                    fmt::format("the {} payload exists (version {}): send If-Match with its ETag",
                                module, latest->version));
    }
    if (pre.version) {
      if (!latest) {
        return Status(
            ErrorCode::kPreconditionFailed,
            fmt::format("the {} payload does not exist yet: send If-None-Match: *", module));
      }
      if (latest->version != *pre.version) {
        return Stale(fmt::format("the {} payload", module), *pre.version, latest->version);
      }
    }
    if (!config && !latest) {
      return Status(ErrorCode::kConflict,
                    fmt::format("save the {} payload's config before attaching files", module));
    }
    const json::value cfg = config ? *config : json::parse(latest->config_json);
    std::vector<PayloadFile> files = latest ? latest->files : std::vector<PayloadFile>{};
    if (new_file) {
      std::erase_if(files, [&](const PayloadFile& f) { return f.name == new_file->name; });
      files.push_back(*new_file);
    }
    SIGNX_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(cfg));
    SIGNX_ASSIGN_OR_RETURN(std::string sha, PayloadSha256(module, cfg, files));

    SIGNX_ASSIGN_OR_RETURN(auto current, repo.CurrentPayloads(p.id));
    std::map<std::string, json::object> configs;
    for (const auto& [m, pl] : current) configs[m] = ParseObjectOrEmpty(pl.config_json);
    configs[std::string(module)] = cfg.get_object();

    StoredPayload np{
        .id = NewId("ppl", clock_),
        .project_id = p.id,
        .module = std::string(module),
        .version = latest ? latest->version + 1 : 1,
        .config_json = canonical,
        .files = files,
        .cost_snapshot_json = http::ToJsonText(CostSnapshot(scope.org_id, configs)),
        .sha256 = sha,
        .created_by = scope.actor.empty() ? std::nullopt : std::optional<std::string>(scope.actor),
        .created_at = clock_.Now()};
    SIGNX_RETURN_IF_ERROR(repo.InsertPayload(np));
    if (blob) SIGNX_RETURN_IF_ERROR(registry.Register(txn, *blob, new_file->content_type));
    for (const PayloadFile& f : np.files) SIGNX_RETURN_IF_ERROR(registry.AddRef(txn, f.sha256));

    PayloadView view{.payload = np};
    if (module == "structure") {
      SIGNX_ASSIGN_OR_RETURN(auto found, repo.FindCalculation(p.id, sha));
      if (!found) {
        if (!check) {
          SIGNX_ASSIGN_OR_RETURN(check, CheckStructurePayload(cfg.get_object()));
        }
        StoredCalculation c{.id = NewId("pcl", clock_),
                            .payload_sha256 = sha,
                            .passed = check->passed,
                            .constants_version = check->constants_version,
                            .result_json = http::ToJsonText(check->json),
                            .created_at = clock_.Now()};
        SIGNX_RETURN_IF_ERROR(repo.InsertCalculation(p.id, c));
        found = c;
      }
      view.calculation = std::move(found);
    }
    SIGNX_RETURN_IF_ERROR(
        outbox_
            .Append(txn, {.type = std::string(events::kProjectPayloadSaved),
                          .org_id = scope.org_id,
                          .subject_id = p.id,
                          .payload_json = http::ToJsonText(json::object{
                              {"project_id", p.id},
                              {"module", std::string(module)},
                              {"version", np.version},
                              {"sha256", np.sha256},
                              {"calculation_passed", view.calculation
                                                         ? json::value(view.calculation->passed)
                                                         : json::value(nullptr)}})})
            .status());
    return view;
  });
  if (result.ok()) outbox_.Notify();
  return result;
}

Result<PayloadView> StudioService::SavePayload(const Scope& scope, std::string_view project_id,
                                               std::string_view module, const Precondition& pre,
                                               const json::value& config) {
  SIGNX_RETURN_IF_ERROR(ValidatePayloadConfig(module, config));
  return AppendVersion(scope, project_id, module, pre, config, std::nullopt, std::nullopt);
}

Result<PayloadView> StudioService::GetPayload(const Scope& scope, std::string_view project_id,
                                              std::string_view module,
                                              std::optional<int64_t> version) {
  if (!IsModule(module)) return NotFound(fmt::format("no payload module {}", module));
  return store_.WithTxnResult<PayloadView>(
      [&](storage::Txn& txn) -> Result<PayloadView> {
        StudioRepository repo(txn, scope, clock_);
        SIGNX_RETURN_IF_ERROR(repo.GetProject(project_id).status());
        PayloadView v;
        if (version) {
          SIGNX_ASSIGN_OR_RETURN(v.payload, repo.PayloadVersion(project_id, module, *version));
        } else {
          SIGNX_ASSIGN_OR_RETURN(auto latest, repo.LatestPayload(project_id, module));
          if (!latest) {
            return NotFound(fmt::format("project {} has no {} payload", project_id, module));
          }
          v.payload = std::move(*latest);
        }
        if (module == "structure") {
          SIGNX_ASSIGN_OR_RETURN(v.calculation, repo.FindCalculation(project_id, v.payload.sha256));
        }
        return v;
      },
      {.read_only = true});
}

Result<std::vector<StoredPayload>> StudioService::PayloadVersions(const Scope& scope,
                                                                  std::string_view project_id,
                                                                  std::string_view module) {
  if (!IsModule(module)) return NotFound(fmt::format("no payload module {}", module));
  return store_.WithTxnResult<std::vector<StoredPayload>>(
      [&](storage::Txn& txn) -> Result<std::vector<StoredPayload>> {
        StudioRepository repo(txn, scope, clock_);
        SIGNX_RETURN_IF_ERROR(repo.GetProject(project_id).status());
        return repo.PayloadVersions(project_id, module);
      },
      {.read_only = true});
}

Result<std::map<std::string, StoredPayload>> StudioService::CurrentPayloads(
    const Scope& scope, std::string_view project_id) {
  return store_.WithTxnResult<std::map<std::string, StoredPayload>>(
      [&](storage::Txn& txn) -> Result<std::map<std::string, StoredPayload>> {
        StudioRepository repo(txn, scope, clock_);
        SIGNX_RETURN_IF_ERROR(repo.GetProject(project_id).status());
        return repo.CurrentPayloads(project_id);
      },
      {.read_only = true});
}

Result<json::array> StudioService::DiffPayload(const Scope& scope, std::string_view project_id,
                                               std::string_view module, int64_t from, int64_t to) {
  SIGNX_ASSIGN_OR_RETURN(PayloadView a, GetPayload(scope, project_id, module, from));
  SIGNX_ASSIGN_OR_RETURN(PayloadView b, GetPayload(scope, project_id, module, to));
  const json::value da = json::object{{"config", json::parse(a.payload.config_json)},
                                      {"files", FilesJson(a.payload.files)}};
  const json::value db = json::object{{"config", json::parse(b.payload.config_json)},
                                      {"files", FilesJson(b.payload.files)}};
  return JsonPatchDiff(da, db);
}

Result<PayloadView> StudioService::AttachFile(const Scope& scope, std::string_view project_id,
                                              std::string_view module, const Precondition& pre,
                                              std::string_view name, std::string_view content_type,
                                              std::string_view declared_sha256,
                                              std::string_view bytes) {
  std::vector<FieldError> errors;
  if (!IsModule(module)) return NotFound(fmt::format("no payload module {}", module));
  if (!ValidFileName(name)) {
    errors.push_back(
        {"name", "must be 1-128 characters of A-Z a-z 0-9 . _ - (not starting with .)"});
  }
  if (!blobs::IsValidSha256(declared_sha256)) {
    errors.push_back({"sha256", "must be the 64 lower-case hex SHA-256 of the bytes"});
  }
  if (bytes.empty()) errors.push_back({"body", "must not be empty"});
  if (!errors.empty()) return ValidationFailed(std::move(errors));
  const std::string actual = Sha256Hex(bytes);
  if (actual != declared_sha256) {
    return ValidationFailed(
        {{"sha256",
          fmt::format("does not match the uploaded bytes (their SHA-256 is {})", actual)}},
        "the upload was corrupted or the declared SHA-256 is wrong");
  }
  SIGNX_ASSIGN_OR_RETURN(blobs::PutResult put, blobs_->Put(bytes));
  PayloadFile f{.name = std::string(name),
                .sha256 = put.info.sha256,
                .size_bytes = put.info.size_bytes,
                .content_type = content_type.empty() ? std::string("application/octet-stream")
                                                     : std::string(content_type)};
  return AppendVersion(scope, project_id, module, pre, std::nullopt, f, put.info);
}

Result<FileContent> StudioService::ReadFile(const Scope& scope, std::string_view project_id,
                                            std::string_view module, std::string_view name) {
  SIGNX_ASSIGN_OR_RETURN(PayloadView v, GetPayload(scope, project_id, module, std::nullopt));
  for (const PayloadFile& f : v.payload.files) {
    if (f.name != name) continue;
    SIGNX_ASSIGN_OR_RETURN(std::string bytes, blobs_->Read(f.sha256));
    if (Sha256Hex(bytes) != f.sha256) {
      return Status(ErrorCode::kDataLoss,
                    fmt::format("file {} of the {} payload is corrupt on disk (SHA-256 mismatch)",
                                name, module));
    }
    return FileContent{f, std::move(bytes)};
  }
  return NotFound(fmt::format("the {} payload has no file {}", module, name));
}

Result<estimating::StoredQuote> StudioService::CreateQuote(
    const Scope& scope, std::string_view project_id, json::object body,
    const std::optional<std::string>& idempotency_key, bool* replayed) {
  if (body.contains("project_id")) {
    return ValidationFailed({{"project_id", "comes from the path"}});
  }
  SIGNX_RETURN_IF_ERROR(GetProject(scope, project_id).status());
  body["project_id"] = project_id;
  return estimating_.CreateQuote(
      scope, body, idempotency_key, replayed,
      [&](storage::Txn& txn, const estimating::StoredQuote& q) -> Status {
        StudioRepository repo(txn, scope, clock_);
        SIGNX_ASSIGN_OR_RETURN(std::string sha, CurrentPayloadsSha(repo, project_id));
        if (sha.empty()) {
          return Status(ErrorCode::kConflict,
                        fmt::format("project {} has no payloads to quote from", project_id));
        }
        return repo.LinkQuote(project_id, q.id, sha);
      });
}

Result<StoredReport> StudioService::RequestReport(const Scope& scope, std::string_view project_id,
                                                  bool* created) {
  return studio::RequestReport(store_, queue_, scope, project_id, created, clock_);
}

Result<StoredReport> StudioService::GetReport(const Scope& scope, std::string_view project_id,
                                              std::string_view report_id) {
  return store_.WithTxnResult<StoredReport>(
      [&](storage::Txn& txn) -> Result<StoredReport> {
        SIGNX_ASSIGN_OR_RETURN(auto r, FindReport(txn, scope, project_id, report_id));
        if (!r) return NotFound(fmt::format("report {} does not exist", report_id));
        return *r;
      },
      {.read_only = true});
}

Result<std::string> StudioService::ReportPdf(const Scope& scope, std::string_view project_id,
                                             std::string_view report_id) {
  SIGNX_ASSIGN_OR_RETURN(StoredReport r, GetReport(scope, project_id, report_id));
  if (r.status != "ready" || !r.blob_sha256) {
    return Status(
        ErrorCode::kConflict,
        fmt::format("report {} is {}{}", r.id, r.status, r.error ? ": " + *r.error : std::string()),
        {{"status", r.status}});
  }
  SIGNX_ASSIGN_OR_RETURN(std::string bytes, blobs_->Read(*r.blob_sha256));
  if (Sha256Hex(bytes) != *r.blob_sha256) {
    return Status(ErrorCode::kDataLoss,
                  fmt::format("report {} is corrupt on disk (SHA-256 mismatch)", r.id));
  }
  return bytes;
}

Result<StoredDispatch> StudioService::RequestDispatch(const Scope& scope,
                                                      std::string_view project_id,
                                                      std::optional<std::string> idempotency_key,
                                                      bool* created) {
  return studio::RequestDispatch(store_, queue_, dispatch_, scope, project_id,
                                 std::move(idempotency_key), created, clock_);
}

Result<StoredDispatch> StudioService::GetDispatch(const Scope& scope, std::string_view project_id,
                                                  std::string_view dispatch_id,
                                                  std::vector<DispatchAttempt>* attempts) {
  return studio::GetDispatch(store_, scope, project_id, dispatch_id, attempts);
}

Result<std::optional<StoredReport>> StudioService::CurrentReport(const Scope& scope,
                                                                 std::string_view project_id) {
  return store_.WithTxnResult<std::optional<StoredReport>>(
      [&](storage::Txn& txn) -> Result<std::optional<StoredReport>> {
        StudioRepository repo(txn, scope, clock_);
        SIGNX_ASSIGN_OR_RETURN(ReportInputs in, LoadCurrentInputs(repo, project_id));
        if (in.payloads.empty()) return std::optional<StoredReport>();
        return FindReport(txn, scope, project_id, "", InputsSha256(in));
      },
      {.read_only = true});
}

}  // namespace signx::studio
