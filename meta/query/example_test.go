package query_test

import (
	"fmt"

	"github.com/dlfs/dlfs/meta/query"
)

func ExampleParse() {
	q, err := query.Parse(`label=person and width>=600 and dir=/train/** sort size desc`)
	if err != nil {
		fmt.Println(err)
		return
	}
	item := map[string]any{
		"filename": "/train/a/1.jpg", "dir": "/train/a", "type": "file", "hidden": false,
		"metadata": map[string]any{"system": map[string]any{"width": 640.0}},
	}
	anns := []map[string]any{{"label": "car"}, {"label": "person"}}
	fmt.Println(q)
	fmt.Println(q.Match(item, anns))

	_, err = query.Parse(`label=person and width>=`)
	fmt.Println(err)
	// Output:
	// hidden=false and type=file and width>=600 and dir=/train/** and label=person sort size desc
	// true
	// query: position 25: expected a value after ">=", found end of query
}
