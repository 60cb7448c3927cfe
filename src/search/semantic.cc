#include "search/semantic.h"

#include <Eigen/Sparse>
#include <algorithm>
#include <cmath>
#include <random>

namespace signx::search {

Result<std::shared_ptr<const SemanticModel>> SemanticModel::Build(
    const std::vector<std::vector<std::pair<std::string, unsigned>>>& docs,
    const std::unordered_map<std::string, unsigned>& doc_freq, const SemanticOptions& options) {
  const std::size_t n = docs.size();
  if (n < 10 || options.dim < 2) return InvalidArgument("semantic: too few documents");
  std::vector<std::pair<unsigned, std::string>> candidates;
  for (const auto& [term, df] : doc_freq) {
    if (df >= options.min_df && df <= n / 2) candidates.emplace_back(df, term);
  }
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (candidates.size() > options.max_vocab) candidates.resize(options.max_vocab);
  const int k = std::min<int>(options.dim, static_cast<int>(std::min(candidates.size(), n)) - 1);
  if (k < 2) return InvalidArgument("semantic: vocabulary too small");
  auto model = std::shared_ptr<SemanticModel>(new SemanticModel());
  std::sort(candidates.begin(), candidates.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  for (const auto& [df, term] : candidates) {
    model->vocab_.emplace(term, static_cast<int>(model->idf_.size()));
    model->idf_.push_back(static_cast<float>(std::log(static_cast<double>(n) / df)));
  }
  const int vocab = static_cast<int>(model->idf_.size());

  // A: documents × terms, (1 + log wdf)·idf, rows L2-normalised.
  std::vector<Eigen::Triplet<float>> cells;
  for (std::size_t d = 0; d < n; ++d) {
    const std::size_t first = cells.size();
    double norm = 0;
    for (const auto& [term, wdf] : docs[d]) {
      auto it = model->vocab_.find(term);
      if (it == model->vocab_.end() || wdf == 0) continue;
      const float w = (1.0f + std::log(static_cast<float>(wdf))) * model->idf_[it->second];
      cells.emplace_back(static_cast<int>(d), it->second, w);
      norm += static_cast<double>(w) * w;
    }
    if (norm > 0) {
      const float inv = static_cast<float>(1 / std::sqrt(norm));
      for (std::size_t i = first; i < cells.size(); ++i) {
        cells[i] = Eigen::Triplet<float>(cells[i].row(), cells[i].col(), cells[i].value() * inv);
      }
    }
  }
  Eigen::SparseMatrix<float, Eigen::RowMajor> a(static_cast<int>(n), vocab);
  a.setFromTriplets(cells.begin(), cells.end());

  // Randomized SVD (Halko et al. 2011) with two power iterations.
  const int l = k + 10;
  std::mt19937_64 rng(options.seed);
  std::normal_distribution<float> normal(0, 1);
  Eigen::MatrixXf omega(vocab, l);
  for (int j = 0; j < l; ++j) {
    for (int i = 0; i < vocab; ++i) omega(i, j) = normal(rng);
  }
  auto orthonormal = [](const Eigen::MatrixXf& m) {
    Eigen::HouseholderQR<Eigen::MatrixXf> qr(m);
    return Eigen::MatrixXf(qr.householderQ() * Eigen::MatrixXf::Identity(m.rows(), m.cols()));
  };
  Eigen::MatrixXf y = orthonormal(a * omega);  // n × l
  for (int it = 0; it < 2; ++it) {
    Eigen::MatrixXf z = orthonormal(a.transpose() * y);  // vocab × l
    y = orthonormal(a * z);
  }
  const Eigen::MatrixXf bt = a.transpose() * y;                             // vocab × l = Bᵀ
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXf> eig(bt.transpose() * bt);  // l × l, ascending
  model->proj_.resize(vocab, k);
  Eigen::VectorXf s(k);
  for (int j = 0; j < k; ++j) {
    const int src = l - 1 - j;
    const float sigma = std::sqrt(std::max(0.0f, eig.eigenvalues()(src)));
    s(j) = sigma;
    // Right singular vector of B (a term-space direction) = Bᵀ w / σ.
    model->proj_.col(j) = sigma > 0 ? Eigen::VectorXf(bt * eig.eigenvectors().col(src) / sigma)
                                    : Eigen::VectorXf::Zero(vocab);
  }
  model->unit_ = model->proj_ * s.asDiagonal();
  for (int t = 0; t < vocab; ++t) {
    const float norm = model->unit_.row(t).norm();
    if (norm > 0) model->unit_.row(t) /= norm;
  }
  return std::shared_ptr<const SemanticModel>(std::move(model));
}

int SemanticModel::Find(std::string_view term) const {
  auto it = vocab_.find(term);
  return it == vocab_.end() ? -1 : it->second;
}

}  // namespace signx::search
