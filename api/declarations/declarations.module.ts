import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { DeclarationAuthGuard } from './declaration-auth.guard';
import { DeclarationPoliciesController } from './declaration-policies.controller';
import { DeclarationPoliciesService } from './declaration-policies.service';
import { DeclarationsController } from './declarations.controller';
import { DeclarationsService } from './declarations.service';

@Module({
  imports: [TokensModule],
  controllers: [DeclarationsController, DeclarationPoliciesController],
  providers: [DeclarationsService, DeclarationPoliciesService, DeclarationAuthGuard],
})
export class DeclarationsModule {}
