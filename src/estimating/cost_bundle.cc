// The cost model bundle: one JSON file (encoder, price index, conformal interval, anomaly
// calibration, reference jobs, model card and the XGBoost booster), its content-derived
// model_version, and a plain-text summary of its card.
#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/sha256.h"
#include "estimating/cost_model.h"
#include "estimating/internal/cost_json.h"
#include "ml/base64.h"
#include "ml/booster_json.h"

namespace signx::estimating {
namespace json = boost::json;
using internal::DoubleArray;
using internal::Field;
using internal::GetDouble;
using internal::GetDoubles;
using internal::GetInts;
using internal::GetString;
using internal::GetStrings;
using internal::IntArray;
using internal::StringArray;

namespace {

std::string FloatsToBytes(std::span<const float> v) {
  std::string s(v.size() * sizeof(float), '\0');
  for (std::size_t i = 0; i < v.size(); ++i) {
    uint32_t u;
    std::memcpy(&u, &v[i], 4);
    for (int k = 0; k < 4; ++k) s[i * 4 + k] = static_cast<char>((u >> (8 * k)) & 0xff);
  }
  return s;
}

std::vector<float> BytesToFloats(std::string_view s) {
  std::vector<float> v(s.size() / 4);
  for (std::size_t i = 0; i < v.size(); ++i) {
    uint32_t u = 0;
    for (int k = 0; k < 4; ++k) {
      u |= static_cast<uint32_t>(static_cast<unsigned char>(s[i * 4 + k])) << (8 * k);
    }
    std::memcpy(&v[i], &u, 4);
  }
  return v;
}

json::object PriceIndexJson(const PriceIndex& pi) {
  return json::object{{"first_year", pi.first_year},
                      {"log_index", DoubleArray(pi.log_index)},
                      {"slope_per_year", pi.slope_per_year},
                      {"as_of_date", pi.as_of_date}};
}

json::object ReferenceJson(const ReferenceJobs& r) {
  json::object o{{"ids", StringArray(r.ids)},
                 {"dates", StringArray(r.dates)},
                 {"sign_types", StringArray(r.sign_types)},
                 {"width_in", DoubleArray(r.width_in)},
                 {"height_in", DoubleArray(r.height_in)},
                 {"total_cents", IntArray<int64_t>(r.total_cents)},
                 {"labor_cents", IntArray<int64_t>(r.labor_cents)},
                 {"material_cents", IntArray<int64_t>(r.material_cents)},
                 {"equipment_cents", IntArray<int64_t>(r.equipment_cents)},
                 {"overhead_cents", IntArray<int64_t>(r.overhead_cents)},
                 {"other_cents", IntArray<int64_t>(r.other_cents)},
                 {"vectors_base64", ml::Base64Encode(FloatsToBytes(r.vectors))}};
  if (!r.mounting_types.empty()) {  // absent in bundles trained before they were kept
    o["mounting_types"] = StringArray(r.mounting_types);
    o["foundation_types"] = StringArray(r.foundation_types);
  }
  return o;
}

json::object ModelContent(const CostBundle& b, bool with_reference_sha) {
  json::object o;
  o["encoder"] = b.encoder.ToJson();
  o["price_index"] = PriceIndexJson(b.price_index);
  o["conformal"] = json::object{
      {"q_lo", b.conformal_q_lo}, {"q_hi", b.conformal_q_hi}, {"coverage", b.interval_coverage}};
  o["anomaly"] = json::object{{"k", b.knn_k},
                              {"typical_distance", b.knn_typical_distance},
                              {"threshold", b.anomaly_threshold}};
  if (with_reference_sha) {
    o["booster_sha256"] = Sha256Hex(b.booster);
    o["reference_sha256"] = Sha256Hex(json::serialize(ReferenceJson(b.reference)));
  }
  // Only when present, so the model_version of older bundles is unchanged.
  if (b.correction) {
    json::object bias;
    for (const auto& [id, v] : b.correction->estimator_bias) bias[id] = v;
    json::object c{{"q_lo", b.correction->conformal_q_lo},
                   {"q_hi", b.correction->conformal_q_hi},
                   {"default_bias", b.correction->default_bias},
                   {"estimator_bias", std::move(bias)}};
    json::object by_type;
    for (const auto& [t, q] : b.correction->conformal_by_sign_type) {
      by_type[t] = json::object{{"q_lo", q.first}, {"q_hi", q.second}};
    }
    c["q_by_sign_type"] = std::move(by_type);
    if (with_reference_sha) {
      c["booster_sha256"] = Sha256Hex(b.correction->booster);
    } else {
      c["booster"] = ml::BoosterToJson(b.correction->booster);
    }
    o["estimate_correction"] = std::move(c);
  }
  return o;
}

}  // namespace

double EstimateCorrection::BiasOf(const std::optional<std::string>& estimator_id) const {
  if (!estimator_id) return default_bias;
  const auto it = estimator_bias.find(*estimator_id);
  return it == estimator_bias.end() ? default_bias : it->second;
}

std::pair<double, double> EstimateCorrection::IntervalFor(
    const std::optional<sign::SignType>& type) const {
  if (type) {
    const auto it = conformal_by_sign_type.find(Name(*type));
    if (it != conformal_by_sign_type.end()) return it->second;
  }
  return {conformal_q_lo, conformal_q_hi};
}

std::string ComputeCostModelVersion(const CostBundle& b) {
  return "cost-" + Sha256Hex(json::serialize(ModelContent(b, true))).substr(0, 12);
}

std::string SerializeCostBundle(const CostBundle& b) {
  json::object o;
  o["format"] = "signx.cost.model";
  o["format_version"] = 1;
  o["model_version"] = b.model_version;
  for (auto& kv : ModelContent(b, false)) o[kv.key()] = kv.value();
  o["reference"] = ReferenceJson(b.reference);
  o["card"] = b.card;
  o["booster"] = ml::BoosterToJson(b.booster);
  return json::serialize(o);
}

Result<CostBundle> ParseCostBundle(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec)
    return Status(ErrorCode::kDataLoss, "cost model bundle is not valid JSON: " + ec.message());
  const auto* o = v.if_object();
  if (!o) return Status(ErrorCode::kDataLoss, "cost model bundle must be a JSON object");
  const auto* format = o->if_contains("format");
  if (!format || !format->is_string() || format->get_string() != "signx.cost.model") {
    return InvalidArgument("not a SignX cost model bundle (format != signx.cost.model)");
  }
  const auto* fv = o->if_contains("format_version");
  if (!fv || !fv->is_int64() || fv->get_int64() != 1) {
    return InvalidArgument("unsupported cost model bundle format_version (this build reads 1)");
  }
  CostBundle b;
  SIGNX_ASSIGN_OR_RETURN(const json::value* enc, Field(*o, "encoder"));
  SIGNX_ASSIGN_OR_RETURN(b.encoder, FeatureEncoder::FromJson(*enc));
  SIGNX_ASSIGN_OR_RETURN(const json::value* piv, Field(*o, "price_index"));
  if (!piv->is_object()) return InvalidArgument("price_index must be an object");
  const auto& pio = piv->get_object();
  SIGNX_ASSIGN_OR_RETURN(const double fy, GetDouble(pio, "first_year"));
  b.price_index.first_year = static_cast<int>(fy);
  SIGNX_ASSIGN_OR_RETURN(b.price_index.log_index, GetDoubles(pio, "log_index"));
  SIGNX_ASSIGN_OR_RETURN(b.price_index.slope_per_year, GetDouble(pio, "slope_per_year"));
  SIGNX_ASSIGN_OR_RETURN(b.price_index.as_of_date, GetString(pio, "as_of_date"));
  if (b.price_index.log_index.empty() || !YearOf(b.price_index.as_of_date)) {
    return InvalidArgument("price_index needs yearly values and an as_of_date");
  }
  SIGNX_ASSIGN_OR_RETURN(const json::value* cf, Field(*o, "conformal"));
  if (!cf->is_object()) return InvalidArgument("conformal must be an object");
  SIGNX_ASSIGN_OR_RETURN(b.conformal_q_lo, GetDouble(cf->get_object(), "q_lo"));
  SIGNX_ASSIGN_OR_RETURN(b.conformal_q_hi, GetDouble(cf->get_object(), "q_hi"));
  SIGNX_ASSIGN_OR_RETURN(b.interval_coverage, GetDouble(cf->get_object(), "coverage"));
  if (b.conformal_q_lo > b.conformal_q_hi) return InvalidArgument("conformal q_lo > q_hi");
  SIGNX_ASSIGN_OR_RETURN(const json::value* an, Field(*o, "anomaly"));
  if (!an->is_object()) return InvalidArgument("anomaly must be an object");
  SIGNX_ASSIGN_OR_RETURN(const double k, GetDouble(an->get_object(), "k"));
  b.knn_k = static_cast<int>(k);
  SIGNX_ASSIGN_OR_RETURN(b.knn_typical_distance, GetDouble(an->get_object(), "typical_distance"));
  SIGNX_ASSIGN_OR_RETURN(b.anomaly_threshold, GetDouble(an->get_object(), "threshold"));
  if (b.knn_k < 1 || !(b.knn_typical_distance > 0)) {
    return InvalidArgument("anomaly.k must be ≥ 1 and typical_distance > 0");
  }
  SIGNX_ASSIGN_OR_RETURN(const json::value* rv, Field(*o, "reference"));
  if (!rv->is_object()) return InvalidArgument("reference must be an object");
  const auto& ro = rv->get_object();
  ReferenceJobs& r = b.reference;
  SIGNX_ASSIGN_OR_RETURN(r.ids, GetStrings(ro, "ids"));
  SIGNX_ASSIGN_OR_RETURN(r.dates, GetStrings(ro, "dates"));
  SIGNX_ASSIGN_OR_RETURN(r.sign_types, GetStrings(ro, "sign_types"));
  // Optional: bundles trained before similar jobs matched mounting and foundation lack them.
  if (ro.contains("mounting_types") || ro.contains("foundation_types")) {
    SIGNX_ASSIGN_OR_RETURN(r.mounting_types, GetStrings(ro, "mounting_types"));
    SIGNX_ASSIGN_OR_RETURN(r.foundation_types, GetStrings(ro, "foundation_types"));
    if (r.mounting_types.size() != r.ids.size() || r.foundation_types.size() != r.ids.size()) {
      return InvalidArgument("reference columns differ in length");
    }
  }
  SIGNX_ASSIGN_OR_RETURN(r.width_in, GetDoubles(ro, "width_in"));
  SIGNX_ASSIGN_OR_RETURN(r.height_in, GetDoubles(ro, "height_in"));
  SIGNX_ASSIGN_OR_RETURN(r.total_cents, GetInts(ro, "total_cents"));
  SIGNX_ASSIGN_OR_RETURN(r.labor_cents, GetInts(ro, "labor_cents"));
  SIGNX_ASSIGN_OR_RETURN(r.material_cents, GetInts(ro, "material_cents"));
  SIGNX_ASSIGN_OR_RETURN(r.equipment_cents, GetInts(ro, "equipment_cents"));
  SIGNX_ASSIGN_OR_RETURN(r.overhead_cents, GetInts(ro, "overhead_cents"));
  SIGNX_ASSIGN_OR_RETURN(r.other_cents, GetInts(ro, "other_cents"));
  SIGNX_ASSIGN_OR_RETURN(const std::string vb64, GetString(ro, "vectors_base64"));
  SIGNX_ASSIGN_OR_RETURN(const std::string vbytes, ml::Base64Decode(vb64));
  r.vectors = BytesToFloats(vbytes);
  const std::size_t rows = r.ids.size();
  for (std::size_t sz : {r.dates.size(), r.sign_types.size(), r.width_in.size(), r.height_in.size(),
                         r.total_cents.size(), r.labor_cents.size(), r.material_cents.size(),
                         r.equipment_cents.size(), r.overhead_cents.size(), r.other_cents.size()}) {
    if (sz != rows) return InvalidArgument("reference columns differ in length");
  }
  if (rows == 0 || r.vectors.size() != rows * b.encoder.knn_dim()) {
    return InvalidArgument("reference vectors do not match the encoder's kNN space");
  }
  if (const auto* card = o->if_contains("card"); card && card->is_object()) {
    b.card = card->get_object();
  }
  SIGNX_ASSIGN_OR_RETURN(b.booster,
                         ml::BoosterFromJson(o->if_contains("booster"), "cost model bundle"));
  // Optional: bundles trained before the estimate-corrected model have none (spec-only).
  if (const auto* ec = o->if_contains("estimate_correction")) {
    if (!ec->is_object()) return InvalidArgument("estimate_correction must be an object");
    EstimateCorrection c;
    SIGNX_ASSIGN_OR_RETURN(c.conformal_q_lo, GetDouble(ec->get_object(), "q_lo"));
    SIGNX_ASSIGN_OR_RETURN(c.conformal_q_hi, GetDouble(ec->get_object(), "q_hi"));
    if (c.conformal_q_lo > c.conformal_q_hi) {
      return InvalidArgument("estimate_correction q_lo > q_hi");
    }
    SIGNX_ASSIGN_OR_RETURN(c.default_bias, GetDouble(ec->get_object(), "default_bias"));
    if (const auto* qt = ec->get_object().if_contains("q_by_sign_type")) {
      if (!qt->is_object()) return InvalidArgument("estimate_correction.q_by_sign_type");
      for (const auto& kv : qt->get_object()) {
        if (!kv.value().is_object()) return InvalidArgument("estimate_correction.q_by_sign_type");
        SIGNX_ASSIGN_OR_RETURN(const double lo, GetDouble(kv.value().get_object(), "q_lo"));
        SIGNX_ASSIGN_OR_RETURN(const double hi, GetDouble(kv.value().get_object(), "q_hi"));
        if (lo > hi) return InvalidArgument("estimate_correction.q_by_sign_type q_lo > q_hi");
        c.conformal_by_sign_type[std::string(kv.key())] = {lo, hi};
      }
    }
    const auto* eb = ec->get_object().if_contains("estimator_bias");
    if (!eb || !eb->is_object()) {
      return InvalidArgument("estimate_correction.estimator_bias must be an object");
    }
    for (const auto& kv : eb->get_object()) {
      if (!kv.value().is_number()) {
        return InvalidArgument("estimate_correction.estimator_bias values must be numbers");
      }
      c.estimator_bias[std::string(kv.key())] = kv.value().to_number<double>();
    }
    SIGNX_ASSIGN_OR_RETURN(c.booster, ml::BoosterFromJson(ec->get_object().if_contains("booster"),
                                                          "cost model bundle estimate_correction"));
    b.correction = std::move(c);
  }
  b.model_version = ComputeCostModelVersion(b);
  if (const auto* mv = o->if_contains("model_version");
      !mv || !mv->is_string() || mv->get_string() != b.model_version) {
    return Status(ErrorCode::kDataLoss,
                  "cost model bundle model_version does not match its content");
  }
  return b;
}

Status SaveCostBundleFile(const CostBundle& bundle, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  if (ec) {
    return Internal(fmt::format("cannot create '{}': {}", p.parent_path().string(), ec.message()));
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Internal(fmt::format("cannot write '{}'", tmp));
    const std::string text = SerializeCostBundle(bundle);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) return Internal(fmt::format("error writing '{}'", tmp));
  }
  fs::rename(tmp, path, ec);
  if (ec) return Internal(fmt::format("cannot rename '{}' to '{}': {}", tmp, path, ec.message()));
  return Status::Ok();
}

Result<CostBundle> LoadCostBundleFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot read '{}'", path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto b = ParseCostBundle(ss.str());
  if (!b.ok()) return b.status().WithContext(path);
  return b;
}

std::string CostCardSummary(const json::object& card) {
  auto num = [](const json::value* v) { return v && v->is_number() ? v->to_number<double>() : 0; };
  auto obj = [&](std::string_view k) -> const json::object* {
    const auto* v = card.if_contains(k);
    return v && v->is_object() ? &v->get_object() : nullptr;
  };
  std::string out;
  if (const auto* d = obj("data")) {
    out += fmt::format("data: {} jobs, {} .. {}\n", num(d->if_contains("jobs")),
                       d->contains("first_date") ? json::serialize(d->at("first_date")) : "",
                       d->contains("last_date") ? json::serialize(d->at("last_date")) : "");
  }
  if (const auto* t = obj("test")) {
    out += fmt::format(
        "test ({} rows, newest by date): MAPE {:.2f}%  MAE ${:.0f}  RMSE ${:.0f}  R² {:.4f}  "
        "80% interval coverage {:.1f}%\n",
        num(t->if_contains("rows")), 100 * num(t->if_contains("mape")),
        num(t->if_contains("mae_usd")), num(t->if_contains("rmse_usd")), num(t->if_contains("r2")),
        100 * num(t->if_contains("interval_coverage_80")));
  }
  if (const auto* s = obj("baseline_shop_estimate")) {
    out += fmt::format("baseline (shop estimate, same rows): MAPE {:.2f}%  MAE ${:.0f}\n",
                       100 * num(s->if_contains("mape")), num(s->if_contains("mae_usd")));
  }
  if (const auto* ec = obj("estimate_correction")) {
    const auto* tv = ec->if_contains("test");
    if (tv && tv->is_object()) {
      const json::object& t = tv->get_object();
      auto row = [&](std::string_view label, const json::object& g) {
        out += fmt::format(
            "  {:<28} {:>6}  {:>8.2f}%  {:>8.2f}%  {:>8.2f}%  {:>6.1f}%  {:>6.1f}%\n", label,
            num(g.if_contains("rows")), 100 * num(g.if_contains("mape_spec_only")),
            100 * num(g.if_contains("mape_estimate_corrected")),
            100 * num(g.if_contains("mape_shop_estimate")),
            100 * num(g.if_contains("coverage_spec_only")),
            100 * num(g.if_contains("coverage_estimate_corrected")));
      };
      out += fmt::format(
          "test jobs with the shop's estimate: MAPE / 80% interval coverage\n  {:<28} {:>6}  "
          "{:>9}  {:>9}  {:>9}  {:>7}  {:>7}\n",
          "group", "rows", "spec-only", "corrected", "shop est", "cov so", "cov corr");
      row("all", t);
      for (std::string_view key : {"by_sign_type", "by_size_band"}) {
        const auto* gv = t.if_contains(key);
        if (!gv || !gv->is_object()) continue;
        for (const auto& kv : gv->get_object()) {
          if (kv.value().is_object()) row(kv.key(), kv.value().get_object());
        }
      }
    } else if (const auto* why = ec->if_contains("why_not"); why && why->is_string()) {
      out += fmt::format("no estimate-corrected model: {}\n", std::string_view(why->get_string()));
    }
  }
  out += fmt::format("rounds {} (best {}), features {}", num(card.if_contains("rounds")),
                     num(card.if_contains("best_round")), num(card.if_contains("features")));
  if (const auto* sel = obj("model_selection")) {
    out += fmt::format(", depth {} eta {} ({} nodes, chosen from {} configurations)",
                       num(sel->if_contains("chosen_max_depth")),
                       num(sel->if_contains("chosen_eta")), num(sel->if_contains("chosen_nodes")),
                       sel->contains("grid") && sel->at("grid").is_array()
                           ? sel->at("grid").get_array().size()
                           : 0);
  }
  if (card.contains("training_seconds")) {
    out += fmt::format(", training {:.2f} s", num(card.if_contains("training_seconds")));
  }
  out += "\n";
  if (const auto* mv = card.if_contains("model_version"); mv && mv->is_string()) {
    out += fmt::format("model_version {}\n", std::string_view(mv->get_string()));
  }
  return out;
}

}  // namespace signx::estimating
