package templates

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/ext"
	"sigs.k8s.io/yaml"
)

// DefaultCostLimit bounds one evaluation of one expression, in CEL's cost
// units (the Kubernetes API server allows a validation rule the same).
const DefaultCostLimit = 1_000_000

// Item is the variable a forEach binds to each element in turn.
const Item = "item"

// Resource is one object template.
type Resource struct {
	// Template is the object, as YAML or JSON.
	Template string
	// IncludeWhen, when set, is a boolean expression: the object is
	// rendered only when it holds. It is evaluated before ForEach, without
	// Item.
	IncludeWhen string
	// ForEach, when set, is a list expression: the object is rendered once
	// per element, bound to Item.
	ForEach string
}

// Options are what a set of templates is compiled with.
type Options struct {
	// Variables are the names the expressions may use, besides Item.
	Variables []string
	// CostLimit bounds one evaluation; DefaultCostLimit when zero.
	CostLimit uint64
	// Field names the templates in errors ("spec.resources"); "resources"
	// when empty.
	Field string
}

// Error says where a template went wrong: the field path of the template
// (spec.resources[1].template.spec.replicas), the expression, and why.
type Error struct {
	Path string
	Expr string
	Err  error
}

func (e *Error) Error() string {
	if e.Expr == "" {
		return fmt.Sprintf("%s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("%s: ${%s}: %v", e.Path, e.Expr, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrCostLimit is wrapped by an Error whose expression exceeded its cost
// limit.
var ErrCostLimit = errors.New("exceeds the cost limit")

// Program is a set of compiled templates.
type Program struct {
	resources []compiled
	limit     uint64
}

type compiled struct {
	path        string
	includeWhen *expression
	forEach     *expression
	root        node
}

type expression struct {
	src  string
	path string
	prg  cel.Program
}

// node is a compiled part of a template.
type node interface{}

type (
	mapNode struct {
		keys   []node // each a string node
		values []node
	}
	listNode   []node
	stringNode struct {
		path   string
		pieces []compiledPiece
	}
	literal struct{ v any }
)

type compiledPiece struct {
	text string
	expr *expression
}

// Compile parses and compiles resources. Every error names the template,
// its field and the expression.
func Compile(resources []Resource, o Options) (*Program, error) {
	if o.CostLimit == 0 {
		o.CostLimit = DefaultCostLimit
	}
	if o.Field == "" {
		o.Field = "resources"
	}
	env, err := newEnv(o.Variables)
	if err != nil {
		return nil, err
	}
	c := compiler{env: env, limit: o.CostLimit}
	p := &Program{limit: o.CostLimit}
	var errs []error
	for i, r := range resources {
		path := fmt.Sprintf("%s[%d]", o.Field, i)
		cr := compiled{path: path}
		if r.IncludeWhen != "" {
			cr.includeWhen, err = c.expression(r.IncludeWhen, path+".includeWhen")
			errs = append(errs, err)
		}
		if r.ForEach != "" {
			cr.forEach, err = c.expression(r.ForEach, path+".forEach")
			errs = append(errs, err)
		}
		doc, err := parse(r.Template)
		if err != nil {
			errs = append(errs, &Error{Path: path + ".template", Err: fmt.Errorf("not YAML: %w", err)})
			continue
		}
		if _, ok := doc.(map[string]any); !ok {
			errs = append(errs, &Error{Path: path + ".template", Err: errors.New("must be an object")})
			continue
		}
		cr.root, err = c.node(doc, path+".template")
		errs = append(errs, err)
		p.resources = append(p.resources, cr)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

func newEnv(variables []string) (*cel.Env, error) {
	opts := []cel.EnvOption{
		cel.OptionalTypes(),
		ext.Strings(), ext.Encoders(), ext.Math(), ext.Lists(), ext.Sets(),
		cel.Variable(Item, cel.DynType),
	}
	for _, v := range variables {
		opts = append(opts, cel.Variable(v, cel.DynType))
	}
	return cel.NewEnv(opts...)
}

type compiler struct {
	env   *cel.Env
	limit uint64
}

func (c compiler) expression(src, path string) (*expression, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &Error{Path: path, Expr: src, Err: errors.New("empty expression")}
	}
	ast, iss := c.env.Compile(src)
	if iss.Err() != nil {
		return nil, &Error{Path: path, Expr: src, Err: errors.New(strings.ReplaceAll(iss.Err().Error(), "\n", " "))}
	}
	prg, err := c.env.Program(ast, cel.CostLimit(c.limit), cel.InterruptCheckFrequency(100))
	if err != nil {
		return nil, &Error{Path: path, Expr: src, Err: err}
	}
	return &expression{src: src, path: path, prg: prg}, nil
}

func (c compiler) node(v any, path string) (node, error) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		n := &mapNode{}
		var errs []error
		for _, k := range keys {
			kp := path + "." + k
			kn, err := c.str(k, kp)
			errs = append(errs, err)
			vn, err := c.node(v[k], kp)
			errs = append(errs, err)
			n.keys, n.values = append(n.keys, kn), append(n.values, vn)
		}
		return n, errors.Join(errs...)
	case []any:
		n := make(listNode, len(v))
		var errs []error
		for i, e := range v {
			var err error
			n[i], err = c.node(e, fmt.Sprintf("%s[%d]", path, i))
			errs = append(errs, err)
		}
		return n, errors.Join(errs...)
	case string:
		return c.str(v, path)
	default:
		return literal{v}, nil
	}
}

func (c compiler) str(s, path string) (node, error) {
	pieces, err := scan(s)
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	n := &stringNode{path: path}
	for _, p := range pieces {
		if !p.isExpr {
			n.pieces = append(n.pieces, compiledPiece{text: p.text})
			continue
		}
		e, err := c.expression(p.expr, path)
		if err != nil {
			return nil, err
		}
		n.pieces = append(n.pieces, compiledPiece{expr: e})
	}
	if len(n.pieces) == 0 {
		n.pieces = []compiledPiece{{text: ""}}
	}
	return n, nil
}

// Render evaluates the templates with vars (each of the compiled
// Variables; a missing one is an error when an expression reads it) and
// returns the objects, in the templates' order and each forEach's order.
func (p *Program) Render(vars map[string]any) ([]map[string]any, error) {
	var out []map[string]any
	for _, r := range p.resources {
		if r.includeWhen != nil {
			include, err := r.includeWhen.boolean(vars)
			if err != nil {
				return nil, err
			}
			if !include {
				continue
			}
		}
		if r.forEach == nil {
			obj, err := render(r.root, vars)
			if err != nil {
				return nil, err
			}
			out = append(out, obj.(map[string]any))
			continue
		}
		v, err := r.forEach.eval(vars)
		if err != nil {
			return nil, err
		}
		list, ok := v.(traits.Lister)
		if !ok {
			return nil, r.forEach.fail(fmt.Errorf("must be a list, got %s", v.Type().TypeName()))
		}
		scoped := make(map[string]any, len(vars)+1)
		for k, val := range vars {
			scoped[k] = val
		}
		for it := list.Iterator(); it.HasNext() == types.True; {
			scoped[Item] = it.Next()
			obj, err := render(r.root, scoped)
			if err != nil {
				return nil, err
			}
			out = append(out, obj.(map[string]any))
		}
	}
	return out, nil
}

// boolean evaluates e, which must give a boolean.
func (e *expression) boolean(vars map[string]any) (bool, error) {
	v, err := e.eval(vars)
	if err != nil {
		return false, err
	}
	b, ok := v.(types.Bool)
	if !ok {
		return false, e.fail(fmt.Errorf("must be a boolean, got %s", v.Type().TypeName()))
	}
	return bool(b), nil
}

func (e *expression) fail(err error) error {
	return &Error{Path: e.path, Expr: e.src, Err: err}
}

func (e *expression) eval(vars map[string]any) (ref.Val, error) {
	v, _, err := e.prg.Eval(vars)
	if err != nil {
		if strings.Contains(err.Error(), "cost limit exceeded") {
			return nil, e.fail(ErrCostLimit)
		}
		return nil, e.fail(err)
	}
	if types.IsError(v) {
		return nil, e.fail(v.(*types.Err))
	}
	return v, nil
}

func render(n node, vars map[string]any) (any, error) {
	switch n := n.(type) {
	case *mapNode:
		out := make(map[string]any, len(n.keys))
		for i, kn := range n.keys {
			k, err := render(kn, vars)
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("%s: a key must be a string", kn.(*stringNode).path)
			}
			v, err := render(n.values[i], vars)
			if err != nil {
				return nil, err
			}
			out[ks] = v
		}
		return out, nil
	case listNode:
		out := make([]any, len(n))
		for i, e := range n {
			v, err := render(e, vars)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case *stringNode:
		return n.render(vars)
	case literal:
		return n.v, nil
	}
	return nil, fmt.Errorf("unknown template node %T", n)
}

func (n *stringNode) render(vars map[string]any) (any, error) {
	if len(n.pieces) == 1 {
		p := n.pieces[0]
		if p.expr == nil {
			return p.text, nil
		}
		v, err := p.expr.eval(vars)
		if err != nil {
			return nil, err
		}
		out, err := Native(v)
		if err != nil {
			return nil, p.expr.fail(err)
		}
		return out, nil
	}
	var b strings.Builder
	for _, p := range n.pieces {
		if p.expr == nil {
			b.WriteString(p.text)
			continue
		}
		v, err := p.expr.eval(vars)
		if err != nil {
			return nil, err
		}
		s, err := text(v)
		if err != nil {
			return nil, p.expr.fail(err)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// text is how an expression's value reads inside a string.
func text(v ref.Val) (string, error) {
	switch v := v.(type) {
	case types.String:
		return string(v), nil
	case types.Int:
		return strconv.FormatInt(int64(v), 10), nil
	case types.Uint:
		return strconv.FormatUint(uint64(v), 10), nil
	case types.Double:
		return strconv.FormatFloat(float64(v), 'g', -1, 64), nil
	case types.Bool:
		return strconv.FormatBool(bool(v)), nil
	}
	return "", fmt.Errorf("inside text an expression must give a string, a number or a boolean, got %s", v.Type().TypeName())
}

// Native converts a CEL value to the JSON-shaped Go value an object holds:
// int64, float64, string, bool, nil, []any and map[string]any.
func Native(v ref.Val) (any, error) {
	switch v := v.(type) {
	case types.String:
		return string(v), nil
	case types.Int:
		return int64(v), nil
	case types.Uint:
		return int64(v), nil
	case types.Double:
		return float64(v), nil
	case types.Bool:
		return bool(v), nil
	case types.Null:
		return nil, nil
	case types.Bytes:
		return string(v), nil
	case traits.Mapper:
		out := map[string]any{}
		for it := v.Iterator(); it.HasNext() == types.True; {
			k := it.Next()
			ks, ok := k.(types.String)
			if !ok {
				return nil, fmt.Errorf("a map key must be a string, got %s", k.Type().TypeName())
			}
			e, err := Native(v.Get(k))
			if err != nil {
				return nil, err
			}
			out[string(ks)] = e
		}
		return out, nil
	case traits.Lister:
		var out []any
		for it := v.Iterator(); it.HasNext() == types.True; {
			e, err := Native(it.Next())
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	}
	if s, ok := v.ConvertToType(types.StringType).(types.String); ok {
		// Timestamps and durations read as their string form.
		return string(s), nil
	}
	return nil, fmt.Errorf("cannot put a %s in an object", v.Type().TypeName())
}

// parse reads a YAML template as an API server would read the object:
// whole numbers are int64, others float64.
func parse(template string) (any, error) {
	j, err := yaml.YAMLToJSON([]byte(template))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	return numbers(doc), nil
}

func numbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = numbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = numbers(e)
		}
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	}
	return v
}
