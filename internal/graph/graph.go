// Package graph holds the one graph algorithm the platform needs in
// several places: finding a cycle among named nodes (promotion paths
// between environments, dependencies between a stack's items).
package graph

// Cycle returns a cycle of the graph whose edges next gives, as the nodes
// on it with the first repeated at the end (a → b → a), or nil. nodes are
// visited in the given order, so that the cycle reported is stable.
func Cycle(nodes []string, next map[string][]string) []string {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(string) []string
	visit = func(n string) []string {
		state[n] = visiting
		path = append(path, n)
		for _, m := range next[n] {
			switch state[m] {
			case visiting:
				for i, p := range path {
					if p == m {
						return append(append([]string{}, path[i:]...), m)
					}
				}
			case unvisited:
				if c := visit(m); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return nil
	}
	for _, n := range nodes {
		if state[n] == unvisited {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}
