// What a log line must never contain: protein sequences and secrets.
//
// Sequences are users' data (the gateway logs only their hash and length, spec §1.2 step 8) and
// secrets are credentials. The JSON logger applies both rules to every line, so a careless
// `logger.Info("...", {{"sequence", s}})` or an error message that quotes a payload is caught.
//
// Two rules, both deliberately stricter than protifer's (spec §5.5 notes: pino censors the keys
// `email`, `authorization`, `ip` at the top level and one level down; Sentry scrubs runs of >= 20
// amino-acid letters):
//
// 1. ScrubSequences: every run of at least kMinScrubbedResidues letters of the amino-acid
//    alphabet ACDEFGHIKLMNPQRSTVWY plus the ambiguity and rare codes B, O, U, X, Z, written in one
//    case (all upper or all lower: the gateway does not upper-case sequences), is replaced by
//    "[REDACTED_SEQUENCE len=<n>]". A run ends at any other byte (digit, space, '_', J, a letter
//    of the other case, any non-ASCII byte), so CamelCase identifiers such as
//    "ConfigValidationError", hex digests and snake_case names survive.
// 2. IsSensitiveFieldName: a field whose name, lower-cased and stripped of '_', '-' and '.',
//    contains password, passwd, secret, authorization, token, apikey, accesskey, credential,
//    cookie or privatekey, ends with dsn, or equals email, ip, sequence or seq, has its value
//    replaced by "[Redacted]" (pino's censor text: the key stays visible so a reader knows that
//    a value existed).
//    This applies at every depth of nested objects and arrays, not only the first two levels.
//    Field *values* that are strings additionally go through ScrubSequences.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace protifer::obs {

inline constexpr std::size_t kMinScrubbedResidues = 20;
inline constexpr std::string_view kRedactedValue = "[Redacted]";

// The text with every single-case amino-acid run of >= kMinScrubbedResidues letters replaced.
// Other bytes (including invalid UTF-8) are copied unchanged.
std::string ScrubSequences(std::string_view text);

// True for names of fields whose values must never be logged (rule 2 above).
bool IsSensitiveFieldName(std::string_view name);

// A copy of `value` with sensitive fields censored and every string scrubbed, at every depth.
// Object keys are kept as they are (a key is a name chosen by code, not data).
nlohmann::json RedactForLog(const nlohmann::json& value);

}  // namespace protifer::obs
