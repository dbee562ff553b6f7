#include "config/schema.h"

namespace protifer::config {

void ThrowBindingMismatch(const FieldSpec& spec, std::string_view member_type) {
  throw SchemaDefinitionError("config field " + spec.path() + " [" + spec.env_name() +
                              "]: its type (" + TypeDescription(spec) + ") cannot be stored in " +
                              std::string(member_type));
}

}  // namespace protifer::config
