# fish completion for hookctl. The candidates (with descriptions, tab-separated) come from the
# binary itself (`hookctl __complete WORDS...`), so this script cannot drift from the CLI.

function __hookctl_complete
    set -l words (commandline -opc)
    set -l current (commandline -ct)
    set -l lines ($words[1] __complete $words[2..-1] $current 2>/dev/null)
    if test (count $lines) -eq 1; and test "$lines[1]" = __files__
        __fish_complete_path $current
        return
    end
    printf '%s\n' $lines
end

complete -c hookctl -f -a '(__hookctl_complete)'
