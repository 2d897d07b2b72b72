// Package ingest turns files on disk into dataset items: a plain folder
// (every file an item, its system metadata read from its bytes) or a
// Dataloop export (folders items/ and json/, one item JSON per item with its
// annotations).
//
// Every item is stored in two steps: its bytes go to the blob backend
// first, then one catalog transaction points the item at them, so a crash
// or a bad input never leaves a record without its blob or annotations
// without their item. Bad inputs are collected as Problems, naming the file
// and the reason; the rest imports.
package ingest
