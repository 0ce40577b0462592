package tui

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// Copying a command must never be claimed when it cannot be known to have worked: a
// system clipboard tool that exits 0 did copy; tmux's paste buffer did take it; an
// OSC 52 sequence is only a request the terminal (or tmux with its default
// set-clipboard external) may drop, and the screen says exactly that.

// errNoClipboard says no clipboard tool is reachable from here.
var errNoClipboard = errors.New("no system clipboard reachable")

// clipboardTool is a command that copies its stdin, and the name the screen gives it.
type clipboardTool struct {
	name string
	argv []string
}

// clipboardTools lists the tools to try, most specific first: Wayland, X11, macOS,
// then tmux's paste buffer when inside tmux.
func clipboardTools(env func(string) string) []clipboardTool {
	var out []clipboardTool
	if env("WAYLAND_DISPLAY") != "" {
		out = append(out, clipboardTool{"the system clipboard (wl-copy)", []string{"wl-copy"}})
	}
	if env("DISPLAY") != "" {
		out = append(out, clipboardTool{"the system clipboard (xclip)", []string{"xclip", "-selection", "clipboard", "-in"}},
			clipboardTool{"the system clipboard (xsel)", []string{"xsel", "--clipboard", "--input"}})
	}
	if runtime.GOOS == "darwin" {
		out = append(out, clipboardTool{"the system clipboard (pbcopy)", []string{"pbcopy"}})
	}
	if env("TMUX") != "" {
		out = append(out, clipboardTool{"tmux's paste buffer (prefix ] pastes)", []string{"tmux", "load-buffer", "-"}})
	}
	return out
}

// systemCopy copies text with the first tool that is installed and succeeds, and
// says which it was.
func systemCopy(text string) (string, error) {
	for _, t := range clipboardTools(os.Getenv) {
		path, err := exec.LookPath(t.argv[0])
		if err != nil {
			continue
		}
		cmd := exec.Command(path, t.argv[1:]...)
		cmd.Stdin = strings.NewReader(text)
		if cmd.Run() == nil {
			return t.name, nil
		}
	}
	return "", errNoClipboard
}

// copiedMsg answers a copy: via names what took it, or err says none could.
type copiedMsg struct {
	req  int
	text string
	via  string
	err  error
}

func copyText(req int, text string, copyFn func(string) (string, error)) tea.Cmd {
	return func() tea.Msg {
		via, err := copyFn(text)
		return copiedMsg{req: req, text: text, via: via, err: err}
	}
}

// onCopied says where the text went; with no clipboard reachable it asks the terminal
// through OSC 52 and says that this may not have worked.
func (m *Model) onCopied(msg copiedMsg) tea.Cmd {
	if msg.req != m.copyReq {
		return nil
	}
	if msg.err == nil {
		m.flash = flash{text: "✓ copied to " + msg.via + ": " + msg.text}
		return nil
	}
	m.flash = flash{text: "asked the terminal to copy it (OSC 52) — tmux and some terminals drop this silently; check before pasting: " + msg.text}
	return tea.SetClipboard(msg.text)
}
