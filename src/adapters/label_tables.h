// Class-index -> label tables of the prediction models, in the exact order the models emit
// their classes (protifer packages/triton-client/src/constants.ts and the adapters). A
// different order silently mislabels every residue, so tests pin each table verbatim.
#pragma once

#include <array>
#include <string_view>

namespace protifer::adapters {

// ProtT5-SEC three-state secondary structure (argmax index -> DSSP letter).
inline constexpr std::array<std::string_view, 3> kDssp3Labels = {"H", "E", "C"};

// ProtT5-SEC eight-state secondary structure.
inline constexpr std::array<std::string_view, 8> kDssp8Labels = {"H", "G", "I", "B",
                                                                 "E", "S", "T", "C"};

// VespaG output axis order (not alphabetical: it is the model's training order).
inline constexpr std::array<std::string_view, 20> kAminoAcids = {"A", "L", "G", "V", "S", "R", "E",
                                                                 "D", "T", "I", "P", "K", "F", "Q",
                                                                 "N", "Y", "M", "H", "W", "C"};

// LightAttention subcellular locations as the model names them
// (HannesStark/protein-localization 7b0be1e); stored with every '.' replaced by a space.
inline constexpr std::array<std::string_view, 10> kSubcellularLabels = {
    "Cell.membrane",   "Cytoplasm",        "Endoplasmic.reticulum",
    "Golgi.apparatus", "Lysosome/Vacuole", "Mitochondrion",
    "Nucleus",         "Peroxisome",       "Plastid",
    "Extracellular"};

// LightAttention membrane classes: index 0 = class M, index 1 = class S. (The training
// sentinel `U` is never an output.)
inline constexpr std::array<std::string_view, 2> kMembraneLabels = {"Membrane bound", "Soluble"};

}  // namespace protifer::adapters
