package gen

import (
	"bytes"
	"strconv"
	"strings"
)

// groupImports splits the import block of gofmt'ed source into the standard
// library's imports and the others, separated by a blank line, as goimports
// does. Each part stays sorted, so the source stays gofmt'ed: the file is
// formatted once, by the renderer.
func groupImports(src []byte) []byte {
	start := bytes.Index(src, []byte("\nimport (\n"))
	if start < 0 {
		return src
	}
	start += len("\nimport (\n")
	end := bytes.Index(src[start:], []byte("\n)\n"))
	if end < 0 {
		return src
	}
	end += start
	var std, other []string
	for _, line := range strings.Split(string(src[start:end]), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if isStd(importPath(line)) {
			std = append(std, line)
		} else {
			other = append(other, line)
		}
	}
	block := strings.Join(std, "\n")
	if len(std) > 0 && len(other) > 0 {
		block += "\n\n"
	}
	block += strings.Join(other, "\n")
	var out bytes.Buffer
	out.Grow(len(src) + 1)
	out.Write(src[:start])
	out.WriteString(block)
	out.Write(src[end:])
	return out.Bytes()
}

// importPath returns the path of an import spec line: `name "path"` or
// `"path"`.
func importPath(line string) string {
	i := strings.IndexByte(line, '"')
	if i < 0 {
		return ""
	}
	p, err := strconv.Unquote(strings.TrimSpace(line[i:]))
	if err != nil {
		return ""
	}
	return p
}
