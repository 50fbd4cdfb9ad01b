#include "cli/cli.hpp"

int main(int argc, char** argv) {
  return srcompose::cli::run(argc, argv);
}
