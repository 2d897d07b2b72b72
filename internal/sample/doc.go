// Package sample generates the demo dataset: a Dataloop export of synthetic
// images with annotations that match what is drawn.
//
// Each image is a PNG or JPEG with a gradient or noisy background and one to
// six non-overlapping shapes in distinct colours. Every rectangle gets a box
// annotation labelled "rectangle" (or "square"), every circle an ellipse
// labelled "circle", every triangle a segment polygon labelled "triangle";
// some images also get a class annotation "synthetic". Each annotation
// records the shape's colour in metadata.user.color, and each item carries
// user metadata (split, difficulty, reviewed, shapes) to search on.
//
// The layout is the one dlfs import reads: items/<path> holds the binaries
// and json/<path without extension>.json the item JSON with its annotations
// array. The output depends only on the count and the seed.
package sample
