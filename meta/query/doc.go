// Package query parses and evaluates dlfs searches over a dataset's items
// and their annotations. It reads Dataloop's DQL JSON and a short form for
// people, and evaluates both on generic JSON documents (meta.Item.Map and
// meta.Annotation), with no storage of its own.
//
// A parsed Query keeps the conditions on the item (Filter) apart from the
// conditions on one annotation (Join), each a tree of the exported node
// types And, Or, Not, Compare, In and Exists, so that an index planner can
// inspect them and let Eval recheck what it cannot answer.
//
// # Short form
//
// Grammar (GRAMMAR.md in this directory has the full description):
//
//	query      = [ expr ] [ sort ] [ page ] [ pagesize ] .   (page, pagesize: either order)
//	expr       = and-expr { "or" and-expr } .
//	and-expr   = unary { "and" unary } .
//	unary      = "not" unary | "(" expr ")" | condition .
//	condition  = field op value
//	           | field "in" "(" [ value { "," value } ] ")"
//	           | field "exists" .
//	op         = "=" | "==" | "!=" | ">" | ">=" | "<" | "<=" .
//	field      = word | quoted .
//	value      = word | quoted .
//	sort       = "sort" field [ "asc" | "desc" ] { "," field [ "asc" | "desc" ] } .
//	page       = "page" integer .           (from 0)
//	pagesize   = "pagesize" integer .       (1 to 1000, default 1000)
//	word       = a run of bytes other than blanks and ( ) , " = ! < > .
//	quoted     = a double-quoted string with Go escapes .
//
// "not" binds tighter than "and", "and" tighter than "or"; keywords match
// in any letter case. A bare value is true, false, null, a number, or a
// string. Fields are dotted item paths, except: mimetype, width, height and
// size mean metadata.system.<name>; label and annotation.<path> address an
// annotation; "annotation exists" asks for any annotation; item.<path>
// forces an item path. All annotation conditions of a query must hold on
// the same annotation, and they may meet item conditions only under "and".
//
// # Matching
//
// Numbers compare numerically, strings byte-wise, booleans only with
// booleans; an array field matches when any element does; x=null also
// matches a missing x. Strings holding '*' are patterns for equality and
// "in": in a pattern starting with '/', '*' stays within one path element
// and '**' crosses '/'; in other patterns any '*' matches any text, so
// "image*" matches "image/jpeg". Queries that do not name hidden or type get
// hidden=false and type=file.
package query
