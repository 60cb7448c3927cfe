// ForEachChunk: runs work(0) … work(count − 1) on the calling thread and on helper threads of a
// runtime::BlockingPool, so one large request (a batch of 1,000 leads) uses more than one core.
//
// The calling thread takes part: chunks are claimed from a shared counter by whoever is free, and
// the call returns once every chunk has run. Helpers are only offered the work (TrySubmit); a
// helper that starts after the last chunk was claimed does nothing, so a busy or full pool never
// delays the call beyond doing all the work on the calling thread, and cannot deadlock it.
//
// Thread-safety: work(i) runs concurrently for different i; it must not throw.
#pragma once

#include <cstddef>
#include <functional>

#include "runtime/blocking_pool.h"

namespace signx::leads {

// `pool` may be null (everything runs on the calling thread); at most `helpers` pool tasks are
// offered (and never more than count − 1).
void ForEachChunk(runtime::BlockingPool* pool, std::size_t helpers, std::size_t count,
                  const std::function<void(std::size_t)>& work);

}  // namespace signx::leads
