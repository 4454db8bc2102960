package ecertkit_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecertkit/ecertkit/internal/testtool"
)

// TestLibraryHygiene: library packages have no init functions (so nothing
// runs on import: no files, no network, no goroutines) and never print;
// only commands and examples may.
func TestLibraryHygiene(t *testing.T) {
	root := testtool.Root()
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch {
			case rel == "cmd", rel == "examples", rel == "bench", strings.HasPrefix(d.Name(), "."), d.Name() == "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "init" {
				t.Errorf("%s: func init in a library package (work on import)", fset.Position(fn.Pos()))
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			switch fun := call.Fun.(type) {
			case *ast.Ident:
				if fun.Name == "println" || fun.Name == "print" {
					t.Errorf("%s: %s in a library package", fset.Position(call.Pos()), fun.Name)
				}
			case *ast.SelectorExpr:
				pkg, ok := fun.X.(*ast.Ident)
				if !ok {
					return true
				}
				name := pkg.Name + "." + fun.Sel.Name
				switch {
				case pkg.Name == "fmt" && strings.HasPrefix(fun.Sel.Name, "Print"),
					pkg.Name == "log" && (strings.HasPrefix(fun.Sel.Name, "Print") || strings.HasPrefix(fun.Sel.Name, "Fatal") || strings.HasPrefix(fun.Sel.Name, "Panic")):
					t.Errorf("%s: %s in a library package (log through an injected *slog.Logger)", fset.Position(call.Pos()), name)
				case pkg.Name == "fmt" && strings.HasPrefix(fun.Sel.Name, "Fprint") && len(call.Args) > 0:
					if sel, ok := call.Args[0].(*ast.SelectorExpr); ok {
						if x, ok := sel.X.(*ast.Ident); ok && x.Name == "os" && (sel.Sel.Name == "Stdout" || sel.Sel.Name == "Stderr") {
							t.Errorf("%s: %s to os.%s in a library package", fset.Position(call.Pos()), name, sel.Sel.Name)
						}
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
