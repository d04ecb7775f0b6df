package pgembed

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParsePIDFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		data    string
		want    pidFile
		wantErr string
	}{
		{
			name: "Ready",
			data: "4242\n/srv/.frontdesk/pg\n1716200000\n54321\n/srv/.frontdesk/pg\n127.0.0.1\n  1234567    98304\nready   \n",
			want: pidFile{pid: 4242, port: 54321, status: "ready"},
		},
		{
			name: "StillBeingWritten",
			data: "4242\n/srv/pg\n1716200000\n54321\n",
			want: pidFile{pid: 4242, port: 54321},
		},
		{name: "Empty", data: "", wantErr: "at least 4"},
		{name: "BadPID", data: "x\n/d\n0\n5432\n", wantErr: "bad pid"},
		{name: "BadPort", data: "1\n/d\n0\n99999\n", wantErr: "bad port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parsePIDFile(tt.data)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}
