#include "base/status.h"

#include <fmt/format.h>

namespace signx {

Status::Status(ErrorCode code, std::string message, std::vector<FieldError> details) {
  if (code != ErrorCode::kOk) {
    rep_ = std::make_unique<Rep>(Rep{code, std::move(message), std::move(details)});
  }
}

Status::Status(const Status& other)
    : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
  return *this;
}

const std::vector<FieldError>& Status::details() const {
  static const std::vector<FieldError> kNone;
  return rep_ ? rep_->details : kNone;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out = fmt::format("{}: {}", Name(rep_->code), rep_->message);
  for (const auto& d : rep_->details) out += fmt::format("; {}: {}", d.field, d.message);
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(rep_->code, fmt::format("{}: {}", context, rep_->message), rep_->details);
}

bool operator==(const Status& a, const Status& b) {
  if (a.ok() || b.ok()) return a.ok() == b.ok();
  return a.rep_->code == b.rep_->code && a.rep_->message == b.rep_->message &&
         a.rep_->details == b.rep_->details;
}

Status InvalidArgument(std::string message) {
  return Status(ErrorCode::kInvalidArgument, std::move(message));
}
Status NotFound(std::string message) { return Status(ErrorCode::kNotFound, std::move(message)); }
Status AlreadyExists(std::string message) {
  return Status(ErrorCode::kAlreadyExists, std::move(message));
}
Status FailedPrecondition(std::string message) {
  return Status(ErrorCode::kFailedPrecondition, std::move(message));
}
Status Internal(std::string message) { return Status(ErrorCode::kInternal, std::move(message)); }
Status Unavailable(std::string message) {
  return Status(ErrorCode::kUnavailable, std::move(message));
}

Status ValidationFailed(std::vector<FieldError> details, std::string message) {
  if (message.empty()) {
    message = details.size() == 1
                  ? fmt::format("{}: {}", details[0].field, details[0].message)
                  : fmt::format("{} fields are invalid", details.size());
  }
  return Status(ErrorCode::kValidationFailed, std::move(message), std::move(details));
}

}  // namespace signx
