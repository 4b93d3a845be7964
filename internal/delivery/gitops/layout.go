// Package gitops delivers rendered manifests through Git and Argo CD: it
// lays the manifests out in a repository, commits and pushes them, and
// renders the Argo CD objects on the hub that sync them into the planes.
//
// # Repository layout
//
// Every cell (organization × project × environment) on every plane it
// runs on is one directory, and one Argo CD Application:
//
//	<path>/<organization>/<project>/<environment>/<plane>/
//	    _cell.yaml          the cell: namespace, default-deny policies
//	    <component>.yaml    one file per component, its rendered objects
//
// The file names cannot collide: component names are DNS labels, which
// never start with an underscore. The layout is stable: a path only
// changes when one of its names does.
package gitops

import (
	"path"

	"github.com/aileron-dev/aileron/internal/render"
)

// CellFileName is the file that holds a cell's own objects.
const CellFileName = "_cell.yaml"

// CellBase is the directory of a cell's planes: the Application of each
// plane reads <CellBase>/<plane>.
func CellBase(prefix, organization, project, environment string) string {
	return path.Join(prefix, organization, project, environment)
}

// CellDir is the directory of one cell on one plane.
func CellDir(prefix, organization, project, environment, plane string) string {
	return path.Join(CellBase(prefix, organization, project, environment), plane)
}

// ComponentFile is where a component's objects for one plane are written.
func ComponentFile(dir, component string) string {
	return path.Join(dir, component+".yaml")
}

// CellFile is where the cell's objects for one plane are written.
func CellFile(dir string) string {
	return path.Join(dir, CellFileName)
}

// Manifest is the YAML stream of objs, one document per object, in order:
// what Argo CD reads from a file.
func Manifest(objs render.Objects) ([]byte, error) {
	return objs.YAML()
}
