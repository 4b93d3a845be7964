package templates

// Expr is one compiled expression, outside any template (a trait's
// selector).
type Expr struct{ e *expression }

// CompileExpr compiles src; path names where it is written, for errors.
func CompileExpr(src, path string, o Options) (*Expr, error) {
	if o.CostLimit == 0 {
		o.CostLimit = DefaultCostLimit
	}
	env, err := newEnv(o.Variables)
	if err != nil {
		return nil, err
	}
	e, err := compiler{env: env, limit: o.CostLimit}.expression(src, path)
	if err != nil {
		return nil, err
	}
	return &Expr{e: e}, nil
}

// Bool evaluates the expression, which must give a boolean.
func (x *Expr) Bool(vars map[string]any) (bool, error) { return x.e.boolean(vars) }
