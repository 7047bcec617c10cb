#!/usr/bin/perl
# sisimai.pl - the reference analyser on the same input as bounce, for
# bench/run.sh: parse an mbox (or a Maildir, or one message) with Sisimai
# (Debian's libsisimai-perl) and print one JSON object per record on stdout.
# The number of messages read and records found goes to stderr.
# Usage: perl bench/sisimai.pl PATH
use strict;
use warnings;
use Sisimai;
use Sisimai::Mail;
use Sisimai::Message;
use Sisimai::Data;

my $path = shift or die "usage: sisimai.pl MBOX|MAILDIR|FILE\n";
my $mail = Sisimai::Mail->new($path) or die "sisimai.pl: cannot read $path\n";
my ($messages, $records) = (0, 0);

# Sisimai->make does the same loop but keeps every record in memory until the
# end; reading message by message measures the parser, not the array.
while (my $raw = $mail->read) {
    $messages++;
    my $msg = Sisimai::Message->new('data' => $raw) or next;
    my $data = Sisimai::Data->make('data' => $msg) or next;
    for my $e (@$data) {
        print $e->dump('json'), "\n";
        $records++;
    }
}
print STDERR "sisimai.pl: $messages messages, $records records\n";
