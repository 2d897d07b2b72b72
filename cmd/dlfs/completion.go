package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash or zsh)",
		ArgsUsage: "bash|zsh",
		Description: `Prints a script that completes dlfs commands, flags, dataset names after
--dataset, and file names. The script asks dlfs itself, so it follows new
commands and flags.

Examples:
   source <(dlfs completion bash)                       # in ~/.bashrc
   dlfs completion bash > /etc/bash_completion.d/dlfs
   dlfs completion zsh > "${fpath[1]}/_dlfs"            # then: compinit`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("completion: want bash or zsh, got %d arguments", c.NArg())
			}
			switch c.Args().First() {
			case "bash":
				fmt.Print(bashCompletion)
			case "zsh":
				fmt.Print(zshCompletion)
			default:
				return fmt.Errorf("completion %q: want bash or zsh", c.Args().First())
			}
			return nil
		},
	}
}

// bashCompletion asks dlfs for the words that may follow (urfave/cli's
// --generate-bash-completion; a lone "-" before it asks for the flags, as
// a partial flag would fail to parse), dataset names after --dataset, and
// falls back to file names.
const bashCompletion = `# bash completion for dlfs
_dlfs() {
    local cur prev words
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    if [[ "$prev" == "--dataset" || "$prev" == "-d" ]]; then
        words=$("${COMP_WORDS[0]}" datasets 2>/dev/null | awk 'NR > 1 { print $1 }')
    elif [[ "$cur" == -* ]]; then
        words=$("${COMP_WORDS[@]:0:COMP_CWORD}" - --generate-bash-completion 2>/dev/null)
    else
        words=$("${COMP_WORDS[@]:0:COMP_CWORD}" --generate-bash-completion 2>/dev/null)
    fi
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
    if [[ ${#COMPREPLY[@]} -eq 0 ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o filenames -F _dlfs dlfs
`

// zshCompletion is the same for zsh.
const zshCompletion = `#compdef dlfs
# zsh completion for dlfs
_dlfs() {
    local -a opts
    local cur=${words[CURRENT]}
    if [[ ${words[CURRENT-1]} == (--dataset|-d) ]]; then
        opts=(${(f)"$(${words[1]} datasets 2>/dev/null | awk 'NR > 1 { print $1 }')"})
    elif [[ $cur == -* ]]; then
        opts=(${(f)"$(${words[1,CURRENT-1]} - --generate-bash-completion 2>/dev/null)"})
    else
        opts=(${(f)"$(${words[1,CURRENT-1]} --generate-bash-completion 2>/dev/null)"})
    fi
    if (( ${#opts} )); then
        compadd -- $opts
    else
        _files
    fi
}
compdef _dlfs dlfs
`
