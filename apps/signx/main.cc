#include <CLI/CLI.hpp>
#include <cstdio>

#include "build_info.h"
#include "config/config.h"

int main(int argc, char** argv) {
  CLI::App app{"SignX — the operating system of a custom-sign manufacturer"};
  app.require_subcommand(1);
  auto* version = app.add_subcommand("version", "print version and build information");
  version->callback([] { std::printf("signx %s (%s)\n", SIGNX_VERSION, SIGNX_GIT_SHA); });
  CLI11_PARSE(app, argc, argv);
  return 0;
}
