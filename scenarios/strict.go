package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// strictDecode decodes j into v like encoding/json with unknown fields
// disallowed, but every error names the full field path of the value at
// fault ("probes.ssh.lifetime: duration ...", "probes.ssh.sesions: unknown
// field"): it walks the document against v's type first, then decodes.
func strictDecode(j []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	if err := checkValue(reflect.TypeOf(v).Elem(), doc, ""); err != nil {
		return err
	}
	strict := json.NewDecoder(bytes.NewReader(j))
	strict.DisallowUnknownFields()
	return strict.Decode(v)
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

// checkValue reports the first place where doc (decoded JSON) does not fit t.
func checkValue(t reflect.Type, doc any, path string) error {
	at := func(format string, args ...any) error {
		if path == "" {
			return fmt.Errorf(format, args...)
		}
		return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
	}
	if doc == nil { // null leaves the zero value, as encoding/json does
		return nil
	}
	if reflect.PointerTo(t).Implements(unmarshaler) {
		b, _ := json.Marshal(doc)
		if err := reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(b); err != nil {
			return at("%v", err)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return checkValue(t.Elem(), doc, path)
	case reflect.Struct:
		obj, ok := doc.(map[string]any)
		if !ok {
			return at("expected an object, got %s", jsonKind(doc))
		}
		fields := jsonFields(t)
		for _, k := range sortedKeys(obj) {
			ft, known := fields[k]
			if !known {
				return fmt.Errorf("%s: unknown field (not part of %s Scenario)", join(path, k), APIVersion)
			}
			if err := checkValue(ft, obj[k], join(path, k)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		obj, ok := doc.(map[string]any)
		if !ok {
			return at("expected an object, got %s", jsonKind(doc))
		}
		for _, k := range sortedKeys(obj) {
			if err := checkValue(t.Elem(), obj[k], join(path, k)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice, reflect.Array:
		arr, ok := doc.([]any)
		if !ok {
			return at("expected a list, got %s", jsonKind(doc))
		}
		for i, e := range arr {
			if err := checkValue(t.Elem(), e, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		return nil
	}
	b, _ := json.Marshal(doc)
	if err := json.Unmarshal(b, reflect.New(t).Interface()); err != nil {
		return at("expected %s, got %s %s", t.Kind(), jsonKind(doc), b)
	}
	return nil
}

// jsonFields maps the JSON names of t's fields (embedded structs flattened) to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case tag == "-" || (!f.IsExported() && !f.Anonymous):
		case f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct:
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
		case tag != "":
			out[tag] = f.Type
		default:
			out[f.Name] = f.Type
		}
	}
	return out
}

func jsonKind(doc any) string {
	switch doc.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
