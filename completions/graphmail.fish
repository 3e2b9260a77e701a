# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_graphmail_global_optspecs
    string join \n state= output= no-input y/yes v/verbose q/quiet color= h/help V/version
end

function __fish_graphmail_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_graphmail_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_graphmail_using_subcommand
    set -l cmd (__fish_graphmail_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c graphmail -n "__fish_graphmail_needs_command" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_needs_command" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_needs_command" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_needs_command" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_needs_command" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_needs_command" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_needs_command" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_needs_command" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "integration" -d 'The tenant-level integration: tenant, app ID, credential'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "connector" -d 'Incoming and outbound Graph connectors on shared mailboxes'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "route" -d 'Incoming routes (address to process) and outgoing routes (alias From addresses)'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "test-connection" -d 'Test the integration, a connector or a route: a pass rests on evidence'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "enable" -d 'Set a tested connector or route live'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "disable" -d 'Take a connector (and its routes) or a route out of service'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "status" -d 'Everything at a glance, with what needs attention'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "plan" -d 'What `apply` would change to match a desired-state file (touches nothing)'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "apply" -d 'Converge the state to a desired-state file: create, test, enable what passes'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "export" -d 'The current state as a desired-state file (secrets as their sources)'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "certificate" -d 'Make a self-signed certificate for the app registration'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "mail" -d 'Read and send mail through the connectors'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "scope" -d 'Restrict the app to exactly the connectors\' mailboxes, and prove it'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "sandbox" -d 'The local Entra ID + Graph emulator'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "demo" -d 'Run the whole flow against the embedded sandbox'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "completion" -d 'Print a shell completion script (connector and route names complete from the state file)'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "doctor" -d 'Check this machine and state: clock, proxy, DNS, TLS, keyring, state file, expiry'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "token" -d 'The access token this integration gets'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "history" -d 'Every recorded connection test, newest first, with codes and request-ids'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "support" -d 'What a support engineer needs, in one redacted archive'
complete -c graphmail -n "__fish_graphmail_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and not __fish_seen_subcommand_from set show remove help" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and not __fish_seen_subcommand_from set show remove help" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and not __fish_seen_subcommand_from set show remove help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and not __fish_seen_subcommand_from set show remove help" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and not __fish_seen_subcommand_from set show remove help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and not __fish_seen_subcommand_from set show remove help" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and not __fish_seen_subcommand_from set show remove help" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and not __fish_seen_subcommand_from set show remove help" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and not __fish_seen_subcommand_from set show remove help" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and not __fish_seen_subcommand_from set show remove help" -f -a "set" -d 'Create or change the integration; tests it before saving'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and not __fish_seen_subcommand_from set show remove help" -f -a "show" -d 'Show the integration and where its secret comes from'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and not __fish_seen_subcommand_from set show remove help" -f -a "remove" -d 'Remove the integration and its stored secrets'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and not __fish_seen_subcommand_from set show remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l tenant -d 'Tenant ID (GUID) or verified domain, e.g. contoso.onmicrosoft.com' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l app-id -d 'Application (client) ID of the app registration' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l client-secret-env -d 'Read the client secret from this environment variable at each run' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l certificate -d 'Authenticate with this certificate (.pfx with its private key)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l certificate-password-env -d 'Read the certificate password from this environment variable at each run' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l assertion -d 'JWT header form of the client assertion' -r -f -a "rs256\t'RS256 with `x5t` (SHA-1 thumbprint): the widest acceptance'
ps256\t'PS256 with `x5t#S256` (SHA-256 thumbprint)'"
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l cloud -d 'Microsoft cloud' -r -f -a "global\t''
usgov\t''
usgov-dod\t''
china\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l authority-host -d 'Custom authority host (proxies, the sandbox), e.g. https://login.example' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l graph-endpoint -d 'Custom Graph endpoint, e.g. https://graph.example' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l ca-file -d 'An extra trusted root certificate (PEM): TLS-inspecting proxies, the sandbox' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l secret-expires -d 'When the client secret expires (YYYY-MM-DD or RFC 3339), as Entra shows it; `doctor` warns 30 days ahead' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l client-secret-stdin -d 'Read the client secret from standard input and keep it in the OS keyring'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l certificate-password-stdin -d 'Read the certificate password from standard input (kept in the OS keyring)'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l no-certificate-password -d 'The certificate has no password'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l skip-test -d 'Save without a connection test (shown as untested)'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l disable -d 'When the change makes live connectors or routes fail their re-test, disable them instead of refusing'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from show" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from show" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from show" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from show" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from show" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from remove" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from remove" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from remove" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from remove" -l cascade -d 'Also remove the connectors and routes that depend on it'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from remove" -l ignore-missing -d 'Exit 0 when there is nothing to remove, so a teardown can run twice'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from remove" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from help" -f -a "set" -d 'Create or change the integration; tests it before saving'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show the integration and where its secret comes from'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove the integration and its stored secrets'
complete -c graphmail -n "__fish_graphmail_using_subcommand integration; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -f -a "add" -d 'Add a connector (disabled until tested and enabled)'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -f -a "list" -d 'List connectors'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -f -a "show" -d 'Show one connector with its routes and last test'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -f -a "set" -d 'Change a connector; a live one is re-tested in the same command'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -f -a "remove" -d 'Remove a connector'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and not __fish_seen_subcommand_from add list show set remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -l use-for -d 'What the connector is used for' -r -f -a "incoming\t''
outbound\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -l address -d 'The shared mailbox\'s primary address' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -l folder -d 'Folder path to read, e.g. Inbox/Support/EU (repeatable; incoming only)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -l process -d 'The work-item type incoming mail becomes (incoming only)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -l ai -d 'Turn on an AI feature (repeatable)' -r -f -a "classification\t''
sentiment\t''
extraction\t''
thank-you\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -l no-ai -d 'Turn off an AI feature (repeatable)' -r -f -a "classification\t''
sentiment\t''
extraction\t''
thank-you\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -l send-automated-emails -d 'Send automated emails'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -l no-send-automated-emails
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -l test-mode -d 'Only create work in test mode'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -l no-test-mode
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from list" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from list" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from list" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from list" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from show" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from show" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from show" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from show" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from show" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l address -d 'New primary address' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l folder -d 'Replace the folder list (repeatable)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l add-folder -d 'Add a folder path (repeatable)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l remove-folder -d 'Remove a folder path (repeatable)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l process -d 'The work-item type incoming mail becomes (incoming only)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l ai -d 'Turn on an AI feature (repeatable)' -r -f -a "classification\t''
sentiment\t''
extraction\t''
thank-you\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l no-ai -d 'Turn off an AI feature (repeatable)' -r -f -a "classification\t''
sentiment\t''
extraction\t''
thank-you\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l send-automated-emails -d 'Send automated emails'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l no-send-automated-emails
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l test-mode -d 'Only create work in test mode'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l no-test-mode
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l disable -d 'If the change makes this live connector fail its re-test, disable it instead of refusing'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from remove" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from remove" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from remove" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from remove" -l cascade -d 'Also remove what depends on it'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from remove" -l ignore-missing -d 'Exit 0 when there is nothing to remove, so a teardown can run twice'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from remove" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a connector (disabled until tested and enabled)'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from help" -f -a "list" -d 'List connectors'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one connector with its routes and last test'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from help" -f -a "set" -d 'Change a connector; a live one is re-tested in the same command'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a connector'
complete -c graphmail -n "__fish_graphmail_using_subcommand connector; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -f -a "add" -d 'Add an incoming route or an outgoing (alias) route'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -f -a "list" -d 'List routes'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -f -a "show" -d 'Show one route'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -f -a "set" -d 'Change a route; a live one is re-tested in the same command'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -f -a "remove" -d 'Remove a route (default routes go with their connector)'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and not __fish_seen_subcommand_from add list show set remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -l connector -d 'The connector this route belongs to' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -l address -d 'The address mail is sent to (incoming) or sent from (outgoing alias)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -l description -d 'Description' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -l process -d 'The work-item type (incoming routes)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -l send-automated-emails -d 'Send automated emails'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -l no-send-automated-emails
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -l for-attention -d 'Mark work for attention'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -l no-for-attention
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -l test-mode -d 'Only create work in test mode'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -l no-test-mode
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from list" -l connector -d 'Only the routes of this connector' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from list" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from list" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from list" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from list" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from show" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from show" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from show" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from show" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from show" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -l address -d 'New address' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -l description -d 'Description' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -l process -d 'The work-item type (incoming routes)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -l send-automated-emails -d 'Send automated emails'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -l no-send-automated-emails
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -l for-attention -d 'Mark work for attention'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -l no-for-attention
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -l test-mode -d 'Only create work in test mode'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -l no-test-mode
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -l disable -d 'If the change makes this live route fail its re-test, disable it instead of refusing'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from remove" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from remove" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from remove" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from remove" -l ignore-missing -d 'Exit 0 when there is nothing to remove, so a teardown can run twice'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from remove" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add an incoming route or an outgoing (alias) route'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from help" -f -a "list" -d 'List routes'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one route'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from help" -f -a "set" -d 'Change a route; a live one is re-tested in the same command'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a route (default routes go with their connector)'
complete -c graphmail -n "__fish_graphmail_using_subcommand route; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -l send-test-to -d 'Where a probe goes when a fact needs one (default: the outbound connector\'s own address)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -l max-age -d 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -l timeout -d 'Seconds allowed per target' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -l all -d 'Test the integration, every connector and every route, concurrently'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -l no-send -d 'Never send a probe: facts only a probe establishes stay unverified'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -l no-record -d 'Run and report without touching the state file or its directory'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -l probe-delivery -d 'Incoming routes: send a probe through an enabled outbound connector and find it'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -f -a "integration" -d 'The integration: authority, token, permissions, scope (outside mailboxes recorded)'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -f -a "connector" -d 'One connector'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -f -a "route" -d 'One route'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and not __fish_seen_subcommand_from integration connector route help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -l send-test-to -d 'Where a probe goes when a fact needs one (default: the outbound connector\'s own address)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -l max-age -d 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -l timeout -d 'Seconds allowed per target' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -l no-send -d 'Never send a probe: facts only a probe establishes stay unverified'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -l no-record -d 'Run and report without touching the state file or its directory'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -l probe-delivery -d 'Incoming routes: send a probe through an enabled outbound connector and find it'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from integration" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -l send-test-to -d 'Where a probe goes when a fact needs one (default: the outbound connector\'s own address)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -l max-age -d 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -l timeout -d 'Seconds allowed per target' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -l no-send -d 'Never send a probe: facts only a probe establishes stay unverified'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -l no-record -d 'Run and report without touching the state file or its directory'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -l probe-delivery -d 'Incoming routes: send a probe through an enabled outbound connector and find it'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from connector" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -l send-test-to -d 'Where a probe goes when a fact needs one (default: the outbound connector\'s own address)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -l max-age -d 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -l timeout -d 'Seconds allowed per target' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -l no-send -d 'Never send a probe: facts only a probe establishes stay unverified'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -l no-record -d 'Run and report without touching the state file or its directory'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -l probe-delivery -d 'Incoming routes: send a probe through an enabled outbound connector and find it'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from route" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from help" -f -a "integration" -d 'The integration: authority, token, permissions, scope (outside mailboxes recorded)'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from help" -f -a "connector" -d 'One connector'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from help" -f -a "route" -d 'One route'
complete -c graphmail -n "__fish_graphmail_using_subcommand test-connection; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and not __fish_seen_subcommand_from connector route help" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and not __fish_seen_subcommand_from connector route help" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and not __fish_seen_subcommand_from connector route help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and not __fish_seen_subcommand_from connector route help" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and not __fish_seen_subcommand_from connector route help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and not __fish_seen_subcommand_from connector route help" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and not __fish_seen_subcommand_from connector route help" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and not __fish_seen_subcommand_from connector route help" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and not __fish_seen_subcommand_from connector route help" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and not __fish_seen_subcommand_from connector route help" -f -a "connector" -d 'A connector'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and not __fish_seen_subcommand_from connector route help" -f -a "route" -d 'A route'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and not __fish_seen_subcommand_from connector route help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from connector" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from connector" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from connector" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from connector" -l with-routes -d 'Also re-enable (through the gate) the routes its disable switched off'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from connector" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from connector" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from connector" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from connector" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from connector" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from connector" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from route" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from route" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from route" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from route" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from route" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from route" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from route" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from route" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from route" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from help" -f -a "connector" -d 'A connector'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from help" -f -a "route" -d 'A route'
complete -c graphmail -n "__fish_graphmail_using_subcommand enable; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and not __fish_seen_subcommand_from connector route help" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and not __fish_seen_subcommand_from connector route help" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and not __fish_seen_subcommand_from connector route help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and not __fish_seen_subcommand_from connector route help" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and not __fish_seen_subcommand_from connector route help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and not __fish_seen_subcommand_from connector route help" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and not __fish_seen_subcommand_from connector route help" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and not __fish_seen_subcommand_from connector route help" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and not __fish_seen_subcommand_from connector route help" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and not __fish_seen_subcommand_from connector route help" -f -a "connector" -d 'A connector'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and not __fish_seen_subcommand_from connector route help" -f -a "route" -d 'A route'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and not __fish_seen_subcommand_from connector route help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from connector" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from connector" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from connector" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from connector" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from connector" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from connector" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from connector" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from connector" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from connector" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from route" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from route" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from route" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from route" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from route" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from route" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from route" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from route" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from route" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from help" -f -a "connector" -d 'A connector'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from help" -f -a "route" -d 'A route'
complete -c graphmail -n "__fish_graphmail_using_subcommand disable; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand status" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand status" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand status" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand status" -l check -d 'Exit 4 when anything enabled cannot be trusted (no valid passing test)'
complete -c graphmail -n "__fish_graphmail_using_subcommand status" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand status" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand status" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand status" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand status" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand status" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand plan" -s f -l file -d 'The desired-state file (`-` for standard input)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand plan" -l max-age -d 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand plan" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand plan" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand plan" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand plan" -l exit-code -d 'Exit 5 when there are changes, 0 when there are none (drift detection)'
complete -c graphmail -n "__fish_graphmail_using_subcommand plan" -l refresh -d 'Re-test live items (nothing recorded, no probe sent): a live item that no longer passes is drift'
complete -c graphmail -n "__fish_graphmail_using_subcommand plan" -l prune -d 'Also show the removal of what the file does not declare'
complete -c graphmail -n "__fish_graphmail_using_subcommand plan" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand plan" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand plan" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand plan" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand plan" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand plan" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand apply" -s f -l file -d 'The desired-state file (`-` for standard input)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand apply" -l max-age -d 'Evidence older than this counts as missing (e.g. 30m, 12h, 7d)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand apply" -l timeout -d 'Seconds allowed per target' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand apply" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand apply" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand apply" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand apply" -l prune -d 'Remove connectors and routes the file does not declare (live ones need --yes or a confirmation)'
complete -c graphmail -n "__fish_graphmail_using_subcommand apply" -l disable-failing -d 'A changed live item that fails its test is saved disabled instead of keeping its old settings'
complete -c graphmail -n "__fish_graphmail_using_subcommand apply" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand apply" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand apply" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand apply" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand apply" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand apply" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand export" -s o -l output-file -d 'Write the desired-state file here instead of standard output' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand export" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand export" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand export" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand export" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand export" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand export" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand export" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand export" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand export" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and not __fish_seen_subcommand_from new help" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and not __fish_seen_subcommand_from new help" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and not __fish_seen_subcommand_from new help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and not __fish_seen_subcommand_from new help" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and not __fish_seen_subcommand_from new help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and not __fish_seen_subcommand_from new help" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and not __fish_seen_subcommand_from new help" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and not __fish_seen_subcommand_from new help" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and not __fish_seen_subcommand_from new help" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and not __fish_seen_subcommand_from new help" -f -a "new" -d 'Make a self-signed certificate: a .pfx for graphmail and a .cer/.pem for Entra'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and not __fish_seen_subcommand_from new help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -l subject -d 'Subject common name' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -l days -d 'Days of validity' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -l out-dir -d 'Folder to write <name>.pfx, <name>.cer and <name>.pem into' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -l name -d 'Base name of the files' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -l password-env -d 'Read the PFX password from this environment variable' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -l password-stdin -d 'Read the PFX password from standard input'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -l force -d 'Overwrite existing files'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from new" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from help" -f -a "new" -d 'Make a self-signed certificate: a .pfx for graphmail and a .cer/.pem for Entra'
complete -c graphmail -n "__fish_graphmail_using_subcommand certificate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and not __fish_seen_subcommand_from peek send folders watch help" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and not __fish_seen_subcommand_from peek send folders watch help" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and not __fish_seen_subcommand_from peek send folders watch help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and not __fish_seen_subcommand_from peek send folders watch help" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and not __fish_seen_subcommand_from peek send folders watch help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and not __fish_seen_subcommand_from peek send folders watch help" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and not __fish_seen_subcommand_from peek send folders watch help" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and not __fish_seen_subcommand_from peek send folders watch help" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and not __fish_seen_subcommand_from peek send folders watch help" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and not __fish_seen_subcommand_from peek send folders watch help" -f -a "peek" -d 'Read-only: recent mail of an incoming connector and the route each would take'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and not __fish_seen_subcommand_from peek send folders watch help" -f -a "send" -d 'Send through an outbound connector or an outgoing (alias) route'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and not __fish_seen_subcommand_from peek send folders watch help" -f -a "folders" -d 'The mailbox\'s folder tree with total and unread counts, marking the folders the connector reads'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and not __fish_seen_subcommand_from peek send folders watch help" -f -a "watch" -d 'Follow an incoming connector\'s folders (delta) and print each new message with its route, until Ctrl-C'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and not __fish_seen_subcommand_from peek send folders watch help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from peek" -l connector -d 'The incoming connector' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from peek" -l folder -d 'Only this folder (default: the connector\'s folders)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from peek" -l limit -d 'Newest messages shown per folder (1-10000)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from peek" -l page-size -d 'Messages per Graph page (`$top`, 1-1000; default: the limit, at most 1000)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from peek" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from peek" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from peek" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from peek" -l unread -d 'Only unread messages'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from peek" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from peek" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from peek" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from peek" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from peek" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from peek" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l from -d '`route:NAME`, `connector:NAME`, or a bare name when unambiguous' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l to -d 'Recipient (repeatable)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l cc -d 'Copy recipient (repeatable)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l bcc -d 'Blind copy recipient (repeatable)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l subject -d 'The subject line' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l body -d 'Body text' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l body-file -d 'Read the body from a file (`-` for stdin)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l attach -d 'Attach a file, up to 150 MB (repeatable); large ones go through an upload session' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l verify-timeout -d 'How long --verify-sent waits for the Sent Items copy, in seconds' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l html -d 'The body is HTML'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l verify-sent -d 'Confirm the message reached the sending mailbox\'s Sent Items'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from send" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from folders" -l connector -d 'The connector whose mailbox to show' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from folders" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from folders" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from folders" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from folders" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from folders" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from folders" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from folders" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from folders" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from folders" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from watch" -l connector -d 'The incoming connector' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from watch" -l folder -d 'Only this folder (default: the connector\'s folders)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from watch" -l interval -d 'Seconds between looks (1-3600)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from watch" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from watch" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from watch" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from watch" -l once -d 'Print what arrived since the saved position, save the new one, and exit'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from watch" -l from-start -d 'With no saved position, print what the folders hold first (default: start from now)'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from watch" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from watch" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from watch" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from watch" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from watch" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from watch" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from help" -f -a "peek" -d 'Read-only: recent mail of an incoming connector and the route each would take'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from help" -f -a "send" -d 'Send through an outbound connector or an outgoing (alias) route'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from help" -f -a "folders" -d 'The mailbox\'s folder tree with total and unread counts, marking the folders the connector reads'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from help" -f -a "watch" -d 'Follow an incoming connector\'s folders (delta) and print each new message with its route, until Ctrl-C'
complete -c graphmail -n "__fish_graphmail_using_subcommand mail; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and not __fish_seen_subcommand_from set show plan check help" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and not __fish_seen_subcommand_from set show plan check help" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and not __fish_seen_subcommand_from set show plan check help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and not __fish_seen_subcommand_from set show plan check help" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and not __fish_seen_subcommand_from set show plan check help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and not __fish_seen_subcommand_from set show plan check help" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and not __fish_seen_subcommand_from set show plan check help" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and not __fish_seen_subcommand_from set show plan check help" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and not __fish_seen_subcommand_from set show plan check help" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and not __fish_seen_subcommand_from set show plan check help" -f -a "set" -d 'Record how the app is restricted and which mailboxes must stay out of its reach'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and not __fish_seen_subcommand_from set show plan check help" -f -a "show" -d 'Show what `scope set` recorded'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and not __fish_seen_subcommand_from set show plan check help" -f -a "plan" -d 'Print Exchange Online PowerShell that scopes the app to exactly the connectors\' mailboxes'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and not __fish_seen_subcommand_from set show plan check help" -f -a "check" -d 'Prove it: the connectors\' mailboxes answer, the outside ones refuse'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and not __fish_seen_subcommand_from set show plan check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from set" -l mechanism -d 'The mechanism the admin uses (required the first time)' -r -f -a "rbac\t'RBAC for Applications in Exchange Online (Microsoft\'s recommendation)'
access-policy\t'Application access policies (the older mechanism)'"
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from set" -l outside -d 'A mailbox the app must NOT reach (repeat; replaces the recorded list)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from set" -l own-mailbox -d 'An outgoing route\'s address that is a mailbox of its own, not another address of its connector\'s mailbox (repeat; replaces the recorded list)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from set" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from set" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from set" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from set" -l no-outside -d 'Forget the recorded outside mailboxes'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from set" -l no-own-mailbox -d 'Forget the recorded own mailboxes (every alias is a proxy address again)'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from set" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from set" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from set" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from show" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from show" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from show" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from show" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from show" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from plan" -l mechanism -d 'The mechanism to plan for (default: the recorded one)' -r -f -a "rbac\t'RBAC for Applications in Exchange Online (Microsoft\'s recommendation)'
access-policy\t'Application access policies (the older mechanism)'"
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from plan" -l group -d 'Scope through a mail-enabled security group of this name (RBAC: one group per role set, NAME-incoming and NAME-outbound)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from plan" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from plan" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from plan" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from plan" -l exact -d 'Remove group members that are not configured mailboxes (default: list them)'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from plan" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from plan" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from plan" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from plan" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from plan" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from check" -l outside -d 'Also prove this mailbox is refused (repeat; adds to the recorded ones)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from check" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from check" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from check" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from check" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from check" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from help" -f -a "set" -d 'Record how the app is restricted and which mailboxes must stay out of its reach'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show what `scope set` recorded'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from help" -f -a "plan" -d 'Print Exchange Online PowerShell that scopes the app to exactly the connectors\' mailboxes'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from help" -f -a "check" -d 'Prove it: the connectors\' mailboxes answer, the outside ones refuse'
complete -c graphmail -n "__fish_graphmail_using_subcommand scope; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and not __fish_seen_subcommand_from serve help" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and not __fish_seen_subcommand_from serve help" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and not __fish_seen_subcommand_from serve help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and not __fish_seen_subcommand_from serve help" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and not __fish_seen_subcommand_from serve help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and not __fish_seen_subcommand_from serve help" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and not __fish_seen_subcommand_from serve help" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and not __fish_seen_subcommand_from serve help" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and not __fish_seen_subcommand_from serve help" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and not __fish_seen_subcommand_from serve help" -f -a "serve" -d 'Serve the emulator; prints one JSON line with its endpoints and test credentials'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and not __fish_seen_subcommand_from serve help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l listen -d 'Address to listen on (loopback)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l seed -d 'Seed file (TOML) with tenants, apps, mailboxes, policies and faults' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l output-dir -d 'Keep the generated certificates and CA in this folder (default: a temp folder removed on exit)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l tls -d 'Serve HTTPS with a generated CA (its path is in the ready line)'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l allow-non-loopback -d 'Allow a --listen address that is not loopback (the sandbox has no real security)'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from serve" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Serve the emulator; prints one JSON line with its endpoints and test credentials'
complete -c graphmail -n "__fish_graphmail_using_subcommand sandbox; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand demo" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand demo" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand demo" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand demo" -l keep -d 'Keep the demo\'s state folder and print its path'
complete -c graphmail -n "__fish_graphmail_using_subcommand demo" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand demo" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand demo" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand demo" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand demo" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand demo" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand completion" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand completion" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand completion" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand completion" -l static -d 'The self-contained script (as in completions/): commands and options, but no connector or route names'
complete -c graphmail -n "__fish_graphmail_using_subcommand completion" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand completion" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand completion" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand completion" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand completion" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand completion" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand doctor" -l timeout -d 'Seconds allowed per check (the network checks run concurrently)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand doctor" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand doctor" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand doctor" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand doctor" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand doctor" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand doctor" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand doctor" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and not __fish_seen_subcommand_from inspect help" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and not __fish_seen_subcommand_from inspect help" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and not __fish_seen_subcommand_from inspect help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and not __fish_seen_subcommand_from inspect help" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and not __fish_seen_subcommand_from inspect help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and not __fish_seen_subcommand_from inspect help" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and not __fish_seen_subcommand_from inspect help" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and not __fish_seen_subcommand_from inspect help" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and not __fish_seen_subcommand_from inspect help" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and not __fish_seen_subcommand_from inspect help" -f -a "inspect" -d 'Get a token as a connection test does and show its claims (never the token)'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and not __fish_seen_subcommand_from inspect help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and __fish_seen_subcommand_from inspect" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and __fish_seen_subcommand_from inspect" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and __fish_seen_subcommand_from inspect" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and __fish_seen_subcommand_from inspect" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and __fish_seen_subcommand_from inspect" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and __fish_seen_subcommand_from inspect" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and __fish_seen_subcommand_from inspect" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and __fish_seen_subcommand_from inspect" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'Get a token as a connection test does and show its claims (never the token)'
complete -c graphmail -n "__fish_graphmail_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -l since -d 'Only runs since then: a duration back from now (30m, 12h, 7d) or a date (2026-11-30, RFC 3339)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -l limit -d 'At most this many runs, the newest' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -f -a "integration" -d 'The integration\'s runs'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -f -a "connector" -d 'One connector\'s runs'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -f -a "route" -d 'One route\'s runs'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and not __fish_seen_subcommand_from integration connector route help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from integration" -l since -d 'Only runs since then: a duration back from now (30m, 12h, 7d) or a date (2026-11-30, RFC 3339)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from integration" -l limit -d 'At most this many runs, the newest' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from integration" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from integration" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from integration" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from integration" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from integration" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from integration" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from integration" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from integration" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from integration" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from connector" -l since -d 'Only runs since then: a duration back from now (30m, 12h, 7d) or a date (2026-11-30, RFC 3339)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from connector" -l limit -d 'At most this many runs, the newest' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from connector" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from connector" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from connector" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from connector" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from connector" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from connector" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from connector" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from connector" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from connector" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from route" -l since -d 'Only runs since then: a duration back from now (30m, 12h, 7d) or a date (2026-11-30, RFC 3339)' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from route" -l limit -d 'At most this many runs, the newest' -r
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from route" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from route" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from route" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from route" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from route" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from route" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from route" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from route" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from route" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from help" -f -a "integration" -d 'The integration\'s runs'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from help" -f -a "connector" -d 'One connector\'s runs'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from help" -f -a "route" -d 'One route\'s runs'
complete -c graphmail -n "__fish_graphmail_using_subcommand history; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and not __fish_seen_subcommand_from bundle help" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and not __fish_seen_subcommand_from bundle help" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and not __fish_seen_subcommand_from bundle help" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and not __fish_seen_subcommand_from bundle help" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and not __fish_seen_subcommand_from bundle help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and not __fish_seen_subcommand_from bundle help" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and not __fish_seen_subcommand_from bundle help" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and not __fish_seen_subcommand_from bundle help" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and not __fish_seen_subcommand_from bundle help" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and not __fish_seen_subcommand_from bundle help" -f -a "bundle" -d 'One archive for a support ticket: versions, doctor, the state, test reports, history, a fresh test log'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and not __fish_seen_subcommand_from bundle help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and __fish_seen_subcommand_from bundle" -s o -l out -d 'Where to write the archive (default: graphmail-support-<UTC time>.tar.gz or .zip, here)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and __fish_seen_subcommand_from bundle" -l state -d 'The state file (env: GRAPHMAIL_STATE)' -r -F
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and __fish_seen_subcommand_from bundle" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and __fish_seen_subcommand_from bundle" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and __fish_seen_subcommand_from bundle" -l zip -d 'A .zip instead of a .tar.gz'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and __fish_seen_subcommand_from bundle" -l redact-addresses -d 'Replace mailbox addresses by stable placeholders (mailbox-1@redacted.invalid, ...)'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and __fish_seen_subcommand_from bundle" -l no-input -d 'Never prompt (implied without a terminal or when CI is set)'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and __fish_seen_subcommand_from bundle" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and __fish_seen_subcommand_from bundle" -s v -l verbose -d 'More detail on stderr: -v each request, -vv also its headers'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and __fish_seen_subcommand_from bundle" -s q -l quiet -d 'Only errors on stderr'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and __fish_seen_subcommand_from bundle" -s h -l help -d 'Print help'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and __fish_seen_subcommand_from bundle" -s V -l version -d 'Print version'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and __fish_seen_subcommand_from help" -f -a "bundle" -d 'One archive for a support ticket: versions, doctor, the state, test reports, history, a fresh test log'
complete -c graphmail -n "__fish_graphmail_using_subcommand support; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "integration" -d 'The tenant-level integration: tenant, app ID, credential'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "connector" -d 'Incoming and outbound Graph connectors on shared mailboxes'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "route" -d 'Incoming routes (address to process) and outgoing routes (alias From addresses)'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "test-connection" -d 'Test the integration, a connector or a route: a pass rests on evidence'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "enable" -d 'Set a tested connector or route live'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "disable" -d 'Take a connector (and its routes) or a route out of service'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "status" -d 'Everything at a glance, with what needs attention'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "plan" -d 'What `apply` would change to match a desired-state file (touches nothing)'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "apply" -d 'Converge the state to a desired-state file: create, test, enable what passes'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "export" -d 'The current state as a desired-state file (secrets as their sources)'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "certificate" -d 'Make a self-signed certificate for the app registration'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "mail" -d 'Read and send mail through the connectors'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "scope" -d 'Restrict the app to exactly the connectors\' mailboxes, and prove it'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "sandbox" -d 'The local Entra ID + Graph emulator'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "demo" -d 'Run the whole flow against the embedded sandbox'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "completion" -d 'Print a shell completion script (connector and route names complete from the state file)'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "doctor" -d 'Check this machine and state: clock, proxy, DNS, TLS, keyring, state file, expiry'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "token" -d 'The access token this integration gets'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "history" -d 'Every recorded connection test, newest first, with codes and request-ids'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "support" -d 'What a support engineer needs, in one redacted archive'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and not __fish_seen_subcommand_from integration connector route test-connection enable disable status plan apply export certificate mail scope sandbox demo completion doctor token history support help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from integration" -f -a "set" -d 'Create or change the integration; tests it before saving'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from integration" -f -a "show" -d 'Show the integration and where its secret comes from'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from integration" -f -a "remove" -d 'Remove the integration and its stored secrets'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from connector" -f -a "add" -d 'Add a connector (disabled until tested and enabled)'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from connector" -f -a "list" -d 'List connectors'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from connector" -f -a "show" -d 'Show one connector with its routes and last test'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from connector" -f -a "set" -d 'Change a connector; a live one is re-tested in the same command'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from connector" -f -a "remove" -d 'Remove a connector'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from route" -f -a "add" -d 'Add an incoming route or an outgoing (alias) route'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from route" -f -a "list" -d 'List routes'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from route" -f -a "show" -d 'Show one route'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from route" -f -a "set" -d 'Change a route; a live one is re-tested in the same command'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from route" -f -a "remove" -d 'Remove a route (default routes go with their connector)'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from test-connection" -f -a "integration" -d 'The integration: authority, token, permissions, scope (outside mailboxes recorded)'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from test-connection" -f -a "connector" -d 'One connector'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from test-connection" -f -a "route" -d 'One route'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from enable" -f -a "connector" -d 'A connector'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from enable" -f -a "route" -d 'A route'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from disable" -f -a "connector" -d 'A connector'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from disable" -f -a "route" -d 'A route'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from certificate" -f -a "new" -d 'Make a self-signed certificate: a .pfx for graphmail and a .cer/.pem for Entra'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from mail" -f -a "peek" -d 'Read-only: recent mail of an incoming connector and the route each would take'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from mail" -f -a "send" -d 'Send through an outbound connector or an outgoing (alias) route'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from mail" -f -a "folders" -d 'The mailbox\'s folder tree with total and unread counts, marking the folders the connector reads'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from mail" -f -a "watch" -d 'Follow an incoming connector\'s folders (delta) and print each new message with its route, until Ctrl-C'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from scope" -f -a "set" -d 'Record how the app is restricted and which mailboxes must stay out of its reach'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from scope" -f -a "show" -d 'Show what `scope set` recorded'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from scope" -f -a "plan" -d 'Print Exchange Online PowerShell that scopes the app to exactly the connectors\' mailboxes'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from scope" -f -a "check" -d 'Prove it: the connectors\' mailboxes answer, the outside ones refuse'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from sandbox" -f -a "serve" -d 'Serve the emulator; prints one JSON line with its endpoints and test credentials'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "inspect" -d 'Get a token as a connection test does and show its claims (never the token)'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from history" -f -a "integration" -d 'The integration\'s runs'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from history" -f -a "connector" -d 'One connector\'s runs'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from history" -f -a "route" -d 'One route\'s runs'
complete -c graphmail -n "__fish_graphmail_using_subcommand help; and __fish_seen_subcommand_from support" -f -a "bundle" -d 'One archive for a support ticket: versions, doctor, the state, test reports, history, a fresh test log'
