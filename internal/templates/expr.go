package templates

import (
	"github.com/google/cel-go/common/types/ref"
)

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
func (x *Expr) Bool(vars map[string]any) (bool, error) {
	v, err := x.e.eval(vars)
	if err != nil {
		return false, err
	}
	b, ok := v.Value().(bool)
	if !ok {
		return false, x.e.fail(errType("a boolean", v))
	}
	return b, nil
}

type typeError struct{ want, got string }

func (e typeError) Error() string { return "must be " + e.want + ", got " + e.got }

func errType(want string, v ref.Val) error { return typeError{want: want, got: v.Type().TypeName()} }
