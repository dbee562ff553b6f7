#include "config/load_or_exit.h"

#include <cstdlib>
#include <iostream>

namespace protifer::config {

void WriteFatalConfigError(std::ostream& out, const ConfigValidationError& error) {
  out << "\nFatal: " << error.what() << "\n\n";
  out.flush();
}

void ExitOnConfigError(const ConfigValidationError& error) {
  WriteFatalConfigError(std::cerr, error);
  std::exit(1);
}

}  // namespace protifer::config
