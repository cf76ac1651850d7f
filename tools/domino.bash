# bash completion for domino (installed as share/bash-completion/completions/domino).
# Commands and options come from `domino --help` and `domino COMMAND --help`, so they
# stay what the installed program accepts; file arguments complete .yaml and .h5 files.
_domino()
{
    local cur prev cmd
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "run timeline info sweep merge analyze validate generate --help --version" -- "$cur"))
        return
    fi
    cmd=${COMP_WORDS[1]}
    case $prev in
        --format) COMPREPLY=($(compgen -W "text md csv json" -- "$cur")); return ;;
        --lang) COMPREPLY=($(compgen -W "ja en" -- "$cur")); return ;;
        --store) COMPREPLY=($(compgen -W "sectors maps nodes events sectors,maps,events" -- "$cur")); return ;;
        -o|--output|--dot|--io) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --replicates|--replicate|--threads|--interval|--seed|--max-memory|--shard|--nodes|--edges|\
        --mean-degree|--degree|--exponent|--cutoff|--alpha|--outage|--horizon) return ;;
    esac
    if [[ $cur == -* ]]; then
        local opts
        opts=$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null | grep -oE '(^|[ ,])--?[a-z][a-z-]*' | tr -d ' ,' | sort -u)
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    case $cmd in
        generate)
            COMPREPLY=($(compgen -W "erdos_renyi random_regular scale_free" -- "$cur")) ;;
        info|merge)
            COMPREPLY=($(compgen -f -X '!*.h5' -- "$cur") $(compgen -d -- "$cur")) ;;
        timeline)
            COMPREPLY=($(compgen -f -X '!*.@(yaml|yml|h5)' -- "$cur") $(compgen -d -- "$cur")) ;;
        *)
            COMPREPLY=($(compgen -f -X '!*.@(yaml|yml)' -- "$cur") $(compgen -d -- "$cur")) ;;
    esac
}
complete -F _domino domino
