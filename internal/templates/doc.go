// Package templates renders object templates written by a platform team:
// YAML objects whose string values (and map keys) hold ${…} CEL
// expressions, each object included when its includeWhen holds and
// repeated for each element of its forEach. It is pure: it knows nothing
// of ComponentTypes, cells or planes; callers give it the variables.
//
// A string that is one expression, "${parameters.replicas}", takes the
// expression's value whatever its type (a number, a map, a list); a string
// mixing text and expressions, "${component.name}-data", is text, and each
// of its expressions must give a string, a number or a boolean. "$${"
// writes a literal "${".
//
// Programs are compiled once per content (Cache keeps them by its hash)
// and every evaluation has a cost limit, so a template cannot
// make the manager spin.
package templates
