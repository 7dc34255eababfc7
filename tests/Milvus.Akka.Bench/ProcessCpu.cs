using System.Globalization;
using System.Runtime.InteropServices;

namespace Milvus.Akka.Bench;

/// <summary>CPU seconds (user + system) a process has used so far, read from /proc/&lt;pid&gt;/stat.</summary>
internal static partial class ProcessCpu
{
    private const int ClockTicksName = 2; // _SC_CLK_TCK on Linux

    private static readonly long TicksPerSecond = SysConf(ClockTicksName);

    public static double Seconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces; fields 14 and 15 (utime, stime) follow it.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (double)ticks / TicksPerSecond;
    }

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);
}
