using System.Diagnostics;

namespace Cybernet.Testing;

/// <summary>
/// Waiting for something to become true, with a deadline. Tests synchronise on conditions,
/// never on sleeps: a sleep is either too short on a slow machine or wasted on a fast one.
/// </summary>
public static class TestWait
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Polls <paramref name="condition"/> until it returns true or <paramref name="timeout"/> passes.
    /// An exception from the condition counts as "not yet" and is attached to the timeout if it never came true.
    /// </summary>
    /// <exception cref="TimeoutException">The condition did not hold in time; the message says <paramref name="because"/>.</exception>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string because)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        Exception? lastError = null;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
                lastError = null;
            }
            catch (Exception error)
            {
                lastError = error;
            }

            if (clock.Elapsed >= timeout)
            {
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0.#} s waiting until {because}.", lastError);
            }
            await Task.Delay(PollInterval);
        }
    }
}
