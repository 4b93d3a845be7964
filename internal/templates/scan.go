package templates

import (
	"fmt"
	"strings"
)

// A piece of a string template: literal text, or a CEL expression.
type piece struct {
	text string
	expr string
	// isExpr tells an expression from text (an expression may be empty
	// text: that is a compile error, not text).
	isExpr bool
}

// scan splits s into text and ${…} expressions. "$${" stands for a literal
// "${". An expression ends at the "}" that closes its "${", skipping braces
// and quotes inside it, so that map literals and strings holding "}" may be
// written in one.
func scan(s string) ([]piece, error) {
	var out []piece
	var text strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			text.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end, err := exprEnd(s, i+2)
			if err != nil {
				return nil, err
			}
			if text.Len() > 0 {
				out = append(out, piece{text: text.String()})
				text.Reset()
			}
			out = append(out, piece{expr: strings.TrimSpace(s[i+2 : end]), isExpr: true})
			i = end + 1
		default:
			text.WriteByte(s[i])
			i++
		}
	}
	if text.Len() > 0 {
		out = append(out, piece{text: text.String()})
	}
	return out, nil
}

// exprEnd returns the index of the "}" closing the expression that starts
// at from.
func exprEnd(s string, from int) (int, error) {
	depth := 0
	for i := from; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\'':
			// A quoted CEL string: skip to its closing quote.
			j := i + 1
			for ; j < len(s) && s[j] != c; j++ {
				if s[j] == '\\' {
					j++
				}
			}
			if j >= len(s) {
				return 0, fmt.Errorf("unterminated string in ${%s", s[from:])
			}
			i = j
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return i, nil
			}
			depth--
		}
	}
	return 0, fmt.Errorf("${ without its closing }: ${%s", s[from:])
}
