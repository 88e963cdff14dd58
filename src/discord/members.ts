import type { BaseInteraction } from 'discord.js';

/**
 * The name people in the server know this member by. Without the guild in the cache, discord.js
 * hands out the raw API member, which has `nick` instead of `displayName`.
 */
export function displayNameOf(interaction: BaseInteraction): string {
	const member = interaction.member;
	if (member && 'displayName' in member) return member.displayName;
	if (member && 'nick' in member && member.nick) return member.nick;
	return interaction.user.globalName ?? interaction.user.username;
}
