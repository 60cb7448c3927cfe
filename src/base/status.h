// Status and Result<T>: expected failures as values.
//
// A Status is either OK or carries an ErrorCode, a human message and optional per-field details
// (for validation errors: which field and why). OK statuses allocate nothing. Result<T> holds a T
// or a non-OK Status. Both are [[nodiscard]]; propagate with SIGNX_RETURN_IF_ERROR and
// SIGNX_ASSIGN_OR_RETURN. Thread-safety: value types; distinct objects are independent.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/check.h"
#include "base/error_code.h"

namespace signx {

// One problem with one input field. `field` is a dotted path ("spec.width_in", "leads[3].email").
struct FieldError {
  std::string field;
  std::string message;
  bool operator==(const FieldError&) const = default;
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message, std::vector<FieldError> details = {});
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  ErrorCode code() const { return rep_ ? rep_->code : ErrorCode::kOk; }
  std::string_view message() const { return rep_ ? std::string_view(rep_->message) : ""; }
  const std::vector<FieldError>& details() const;

  // "not_found: project prj_123 does not exist"
  std::string ToString() const;

  // Prepends context to the message: "loading config: <message>".
  Status WithContext(std::string_view context) const;

  // Marks an intentionally ignored status.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b);

 private:
  struct Rep {
    ErrorCode code;
    std::string message;
    std::vector<FieldError> details;
  };
  std::unique_ptr<Rep> rep_;
};

// Shorthands for the common codes.
Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status AlreadyExists(std::string message);
Status FailedPrecondition(std::string message);
Status Internal(std::string message);
Status Unavailable(std::string message);
// A 422 listing every failing field at once.
Status ValidationFailed(std::vector<FieldError> details, std::string message = "");

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    SIGNX_CHECK(!std::get<Status>(v_).ok(), "Result constructed from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }

  T& value() & {
    CheckOk();
    return std::get<T>(v_);
  }
  const T& value() const& {
    CheckOk();
    return std::get<T>(v_);
  }
  T&& value() && {
    CheckOk();
    return std::get<T>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? std::get<T>(v_) : std::move(fallback); }

 private:
  void CheckOk() const {
    SIGNX_CHECK(ok(), "value() on a failed Result: " + std::get<Status>(v_).ToString());
  }
  std::variant<T, Status> v_;
};

}  // namespace signx

#define SIGNX_CONCAT_INNER_(a, b) a##b
#define SIGNX_CONCAT_(a, b) SIGNX_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function if `expr` (a Status) is not OK.
#define SIGNX_RETURN_IF_ERROR(expr)                   \
  do {                                                \
    ::signx::Status signx_status_ = (expr);           \
    if (!signx_status_.ok()) return signx_status_;    \
  } while (false)

// `SIGNX_ASSIGN_OR_RETURN(auto x, MakeX());` declares/assigns x from a Result or returns its Status.
#define SIGNX_ASSIGN_OR_RETURN(lhs, expr) \
  SIGNX_ASSIGN_OR_RETURN_IMPL_(SIGNX_CONCAT_(signx_result_, __LINE__), lhs, expr)
#define SIGNX_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
