package mapping

// MIDIKind is the kind of a decoded MIDI event.
type MIDIKind uint8

// MIDI event kinds; NRPN events are synthesised by MIDIDecoder from CC 99/98/6/38.
const (
	MIDICC MIDIKind = iota + 1
	MIDINoteOn
	MIDINoteOff
	MIDIProgram
	MIDIPitchBend
	MIDINRPN
)

// MIDIEvent is one channel message: Channel 1..16; Number is the controller, note,
// program or NRPN parameter; Value is 7-bit (14-bit for pitch bend and NRPN).
type MIDIEvent struct {
	Kind    MIDIKind
	Channel int
	Number  int
	Value   int
}

// MIDIDecoder turns raw channel messages into events, tracking per-channel NRPN
// selection (CC 99 MSB, 98 LSB; data entry CC 6 MSB, 38 LSB; RPN 101/100 deselects).
type MIDIDecoder struct {
	msb, lsb [16]int  // selected NRPN parameter number halves
	sel      [16]bool // an NRPN (not RPN) parameter is selected
	dataMSB  [16]int
}

// Decode returns the events in msg (zero, one, or a CC plus a synthesised NRPN event).
func (d *MIDIDecoder) Decode(msg []byte) []MIDIEvent {
	if len(msg) < 2 || msg[0] < 0x80 || msg[0] >= 0xf0 {
		return nil
	}
	ch := int(msg[0] & 0x0f)
	data1 := int(msg[1] & 0x7f)
	data2 := 0
	if len(msg) >= 3 {
		data2 = int(msg[2] & 0x7f)
	}
	ev := MIDIEvent{Channel: ch + 1, Number: data1, Value: data2}
	switch msg[0] & 0xf0 {
	case 0x90:
		ev.Kind = MIDINoteOn
		if data2 == 0 {
			ev.Kind = MIDINoteOff
		}
	case 0x80:
		ev.Kind, ev.Value = MIDINoteOff, 0
	case 0xc0:
		ev.Kind, ev.Value = MIDIProgram, data1
	case 0xe0:
		if len(msg) < 3 {
			return nil
		}
		ev.Kind, ev.Number, ev.Value = MIDIPitchBend, 0, data2<<7|data1
	case 0xb0:
		if len(msg) < 3 {
			return nil
		}
		ev.Kind = MIDICC
		out := []MIDIEvent{ev}
		switch data1 {
		case 99:
			d.msb[ch], d.sel[ch] = data2, true
		case 98:
			d.lsb[ch], d.sel[ch] = data2, true
		case 101, 100:
			d.sel[ch] = false
		case 6, 38:
			if data1 == 6 {
				d.dataMSB[ch] = data2
			}
			if d.sel[ch] {
				v := d.dataMSB[ch] << 7
				if data1 == 38 {
					v |= data2
				}
				out = append(out, MIDIEvent{Kind: MIDINRPN, Channel: ch + 1, Number: d.msb[ch]<<7 | d.lsb[ch], Value: v})
			}
		}
		return out
	default:
		return nil
	}
	return []MIDIEvent{ev}
}
