package httpapi

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// insertChecks writes batches of any size (several multi-row statements
// and a shorter last one) with every field in its column.
func TestInsertChecksBatches(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "s.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := OpenStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.UnixMicro(1_700_000_000_123_456)
	for _, n := range []int{1, checkRows, 2*checkRows + 13} {
		if _, err := db.Exec(`DELETE FROM checks`); err != nil {
			t.Fatal(err)
		}
		var cs []CheckRecord
		for i := range n {
			cs = append(cs, CheckRecord{Number: "N" + strconv.Itoa(i), BodyID: "B", Result: Fail, Failed: PartStatus, Reason: "r" + strconv.Itoa(i),
				Client: "192.0.2.1", Channel: "rest-lookup", At: at.Add(time.Duration(i) * time.Microsecond)})
		}
		if err := st.insertChecks(ctx, cs); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(`SELECT number, body_id, verdict, failed_part, reason, client, channel, at FROM checks ORDER BY at`)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for rows.Next() {
			var c CheckRecord
			var result, failed string
			var us int64
			if err := rows.Scan(&c.Number, &c.BodyID, &result, &failed, &c.Reason, &c.Client, &c.Channel, &us); err != nil {
				t.Fatal(err)
			}
			c.At = time.UnixMicro(us)
			w := cs[i]
			if c.Number != w.Number || c.BodyID != w.BodyID || result != string(w.Result) || failed != string(w.Failed) ||
				c.Reason != w.Reason || c.Client != w.Client || c.Channel != w.Channel || !c.At.Equal(w.At) {
				t.Errorf("batch of %d, row %d: %+v (%s %s), want %+v", n, i, c, result, failed, w)
			}
			i++
		}
		rows.Close()
		if i != n {
			t.Errorf("batch of %d: %d rows", n, i)
		}
	}
}
