package sample

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"time"
)

// creator is the user the sample items and annotations are credited to.
const creator = "sample@dlfs.example"

// itemJSON is an item in a Dataloop export, fields in the platform's order.
type itemJSON struct {
	ID               string           `json:"id"`
	DatasetID        string           `json:"datasetId"`
	CreatedAt        string           `json:"createdAt"`
	UpdatedAt        string           `json:"updatedAt"`
	Creator          string           `json:"creator"`
	Dir              string           `json:"dir"`
	Filename         string           `json:"filename"`
	Name             string           `json:"name"`
	Type             string           `json:"type"`
	Hidden           bool             `json:"hidden"`
	Metadata         itemMetadata     `json:"metadata"`
	Annotated        bool             `json:"annotated"`
	AnnotationsCount int              `json:"annotationsCount"`
	Annotations      []annotationJSON `json:"annotations"`
}

// itemMetadata is an item's metadata: the platform's and the user's.
type itemMetadata struct {
	System map[string]any `json:"system"`
	User   userMetadata   `json:"user"`
}

// userMetadata is the custom metadata each sample item carries.
type userMetadata struct {
	Split      string `json:"split"`      // train, val or test
	Difficulty int    `json:"difficulty"` // 1..3, grows with the number of shapes
	Reviewed   bool   `json:"reviewed"`
	Shapes     int    `json:"shapes"` // shapes drawn, annotated or not
}

// annotationJSON is one annotation in an export.
type annotationJSON struct {
	ID          string         `json:"id"`
	ItemID      string         `json:"itemId"`
	DatasetID   string         `json:"datasetId"`
	Type        string         `json:"type"`
	Label       string         `json:"label"`
	Coordinates any            `json:"coordinates"`
	Metadata    map[string]any `json:"metadata"`
	Creator     string         `json:"creator"`
	CreatedAt   string         `json:"createdAt"`
}

// point is a coordinate as Dataloop writes it in boxes and ellipses.
type point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	Z float64 `json:"z"`
}

// polygonPoint is a vertex of a segment polygon.
type polygonPoint struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// ellipseCoordinates are the coordinates of an ellipse annotation.
type ellipseCoordinates struct {
	Angle  float64 `json:"angle"`
	Center point   `json:"center"`
	RX     float64 `json:"rx"`
	RY     float64 `json:"ry"`
}

// objectID returns a 24-hex-digit id shaped like a MongoDB ObjectId: the
// creation second, then eight bytes from rng.
func objectID(rng *rand.Rand, at time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], uint32(at.Unix()))
	binary.BigEndian.PutUint64(b[4:], rng.Uint64())
	return hex.EncodeToString(b[:])
}

// timestamp formats t as Dataloop does: ISO 8601, milliseconds, UTC "Z".
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// annotate returns the annotation that describes s.
func annotate(s shape, rng *rand.Rand, item *itemJSON, at time.Time) annotationJSON {
	a := annotationJSON{
		ID:        objectID(rng, at),
		ItemID:    item.ID,
		DatasetID: item.DatasetID,
		Label:     s.kind,
		Metadata: map[string]any{
			"system": map[string]any{},
			"user":   map[string]any{"color": s.hex()},
		},
		Creator:   creator,
		CreatedAt: timestamp(at),
	}
	switch s.kind {
	case kindCircle:
		cx, cy, r := s.center()
		a.Type = "ellipse"
		a.Coordinates = ellipseCoordinates{Center: point{X: cx, Y: cy}, RX: r, RY: r}
	case kindTriangle:
		var poly []polygonPoint
		for _, v := range s.vertices() {
			poly = append(poly, polygonPoint{X: v[0], Y: v[1]})
		}
		a.Type = "segment"
		a.Coordinates = [][]polygonPoint{poly}
	default:
		a.Type = "box"
		a.Coordinates = []point{
			{X: float64(s.x0), Y: float64(s.y0)},
			{X: float64(s.x1), Y: float64(s.y1)},
		}
	}
	return a
}

// classAnnotation returns a whole-image class annotation.
func classAnnotation(label string, rng *rand.Rand, item *itemJSON, at time.Time) annotationJSON {
	return annotationJSON{
		ID:          objectID(rng, at),
		ItemID:      item.ID,
		DatasetID:   item.DatasetID,
		Type:        "class",
		Label:       label,
		Coordinates: []any{},
		Metadata:    map[string]any{"system": map[string]any{}},
		Creator:     creator,
		CreatedAt:   timestamp(at),
	}
}
